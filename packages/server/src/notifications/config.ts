import { TollgateError } from "@tollgate/core";
import type { NotificationChannelRecord, Store } from "@tollgate/store";
import { z } from "zod";
import { type Clock, iso } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { Vault } from "../identity/vault.js";
import { subjectOf } from "./enqueue.js";

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be 1-63 lowercase letters, digits or dashes");
const secretRef = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, "must name a workspace secret (letters, digits, dots, dashes, underscores)");
const url = z.url({ protocol: /^https?$/, error: "must be an absolute http:// or https:// URL" });
const groups = z.array(z.string().min(1).max(200)).min(1).optional();

/** The body of PUT /v1/workspaces/{ws}/notifications: the whole set of channels. */
export const notificationConfigSchema = z
  .object({
    channels: z
      .array(
        z.discriminatedUnion("kind", [
          z
            .object({
              name,
              kind: z.literal("webhook"),
              url,
              secretRef: secretRef.describe("workspace secret that signs each delivery"),
              groups,
            })
            .strict(),
          z
            .object({
              name,
              kind: z.literal("slack"),
              urlSecretRef: secretRef.describe("workspace secret holding the incoming-webhook URL"),
              groups,
            })
            .strict(),
        ]),
      )
      .max(20),
  })
  .strict();

export type NotificationConfig = z.infer<typeof notificationConfigSchema>;

/** Per-workspace notification channels (admin). Secrets are named, never stored or shown here. */
export class NotificationConfigService {
  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
  ) {}

  async put(p: Principal, workspaceId: string, config: NotificationConfig) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const seen = new Set<string>();
    for (const c of config.channels) {
      if (seen.has(c.name)) throw new TollgateError("invalid_request", `channel ${c.name} is named twice`);
      seen.add(c.name);
      const ref = c.kind === "webhook" ? c.secretRef : c.urlSecretRef;
      const value = await this.vault.getSecret(tenantId, workspaceId, ref);
      if (value === undefined)
        throw new TollgateError(
          "invalid_request",
          `channel ${c.name}: secret ${ref} is not set in workspace ${workspaceId} (PUT /v1/workspaces/${workspaceId}/secrets/${ref} first)`,
        );
      if (c.kind === "slack" && !url.safeParse(value).success)
        throw new TollgateError("invalid_request", `channel ${c.name}: secret ${ref} does not hold an http(s) URL`);
    }
    const now = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      await s.notifications.replaceChannels(
        workspaceId,
        config.channels.map(({ name: n, kind, ...rest }) => ({ name: n, kind, config: rest })),
        now,
      );
      await s.audit.append(
        [
          {
            type: "notifications.configured",
            workspace: workspaceId,
            actor: p.keyId,
            data: { channels: config.channels.map((c) => ({ name: c.name, kind: c.kind, groups: c.groups ?? null })) },
          },
        ],
        now,
      );
    });
    return this.get(p, workspaceId);
  }

  async get(p: Principal, workspaceId: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const scope = this.store.scope(tenantId);
    const channels = await scope.notifications.channels(workspaceId);
    const deliveries = await scope.notifications.deliveries(workspaceId, 50);
    return {
      channels: channels.map(channelView),
      deliveries: deliveries.map((d) => ({
        id: d.id,
        channel: d.channel,
        event: d.event,
        ...subjectOf(d),
        status: d.status,
        attempts: d.attempts,
        nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null,
        lastError: d.lastError,
        createdAt: d.createdAt,
        deliveredAt: d.deliveredAt,
      })),
    };
  }
}

function channelView(c: NotificationChannelRecord) {
  return { name: c.name, kind: c.kind, ...c.config, updatedAt: c.updatedAt };
}
