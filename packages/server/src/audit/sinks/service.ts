import { newId, TollgateError } from "@tollgate/core";
import type { AuditSinkRecord, Store } from "@tollgate/store";
import { type Clock, iso } from "../../clock.js";
import { can, workspaceAccess } from "../../identity/access.js";
import type { Principal } from "../../identity/principal.js";
import type { Vault } from "../../identity/vault.js";
import type { SinkConfig } from "./config.js";
import { configOf, type SinkTransports } from "./open.js";

/** Where a sink sends, for the audit log and listings: host and port, or the URL's origin (never credentials). */
function targetOf(c: SinkConfig): string {
  return c.kind === "syslog" ? `${c.tls ? "tls" : "tcp"}://${c.host}:${c.port}` : new URL(c.url).origin;
}

/** A sink's definition without its kind/format (they are columns), as stored. */
function storedConfig(c: SinkConfig): Record<string, unknown> {
  const { kind: _k, format: _f, from: _from, ...rest } = c;
  return rest;
}

/** The stored config as listings show it: a URL without credentials or query (they may hold tokens). */
function shownConfig(config: Record<string, unknown>): Record<string, unknown> {
  if (typeof config.url !== "string") return config;
  const u = new URL(config.url);
  return { ...config, url: `${u.origin}${u.pathname}${u.search ? "?…" : ""}` };
}

export interface SinkStatus {
  name: string;
  kind: string;
  format: string;
  target: string;
  config: Record<string, unknown>;
  /** seq of the last event delivered */
  cursor: number;
  delivered: number;
  lagEvents: number;
  lagSeconds: number;
  failures: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastDeliveredAt: string | null;
  nextAttemptAt: string;
  alerting: boolean;
  createdAt: string;
  updatedAt: string;
}

/** SIEM sinks of a workspace: define, list with delivery status, test, remove. Every change is audited. */
export class SinkService {
  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
    private readonly transports: SinkTransports,
  ) {}

  async put(
    p: Principal,
    workspaceId: string,
    name: string,
    config: SinkConfig,
  ): Promise<{ created: boolean; sink: SinkStatus }> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const secretName =
      config.kind === "hec" ? config.tokenSecret : config.kind === "webhook" ? config.secretRef : undefined;
    if (secretName && (await this.vault.getSecret(tenantId, workspaceId, secretName)) === undefined)
      throw new TollgateError(
        "invalid_request",
        `sink ${name} names the secret ${secretName}, which workspace ${workspaceId} does not have (PUT /v1/workspaces/${workspaceId}/secrets/${secretName} first)`,
      );
    const now = iso(this.clock);
    const created = await this.store.transaction(tenantId, async (s) => {
      const start = config.from === "now" ? (await s.audit.head()).seq : 0;
      const isNew = await s.auditSinks.put(
        workspaceId,
        name,
        { kind: config.kind, format: config.format, config: storedConfig(config) },
        start,
        now,
      );
      await s.audit.append(
        [
          {
            type: "audit_sink.set",
            workspace: workspaceId,
            actor: p.keyId,
            data: { name, kind: config.kind, format: config.format, target: targetOf(config), created: isNew },
          },
        ],
        now,
      );
      return isNew;
    });
    return {
      created,
      sink: await this.status(tenantId, (await this.store.scope(tenantId).auditSinks.get(workspaceId, name))!),
    };
  }

  async list(p: Principal, workspaceId: string): Promise<SinkStatus[]> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, [...new Set([...can.manage, ...can.readAudit])]);
    const sinks = await this.store.scope(tenantId).auditSinks.list(workspaceId);
    return Promise.all(sinks.map((s) => this.status(tenantId, s)));
  }

  async remove(p: Principal, workspaceId: string, name: string): Promise<void> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const now = iso(this.clock);
    const removed = await this.store.transaction(tenantId, async (s) => {
      if (!(await s.auditSinks.remove(workspaceId, name))) return false;
      await s.audit.append(
        [{ type: "audit_sink.removed", workspace: workspaceId, actor: p.keyId, data: { name } }],
        now,
      );
      return true;
    });
    if (!removed) throw new TollgateError("not_found", `no sink ${name} in workspace ${workspaceId}`);
  }

  /** Sends one synthetic event (type `audit_sink.test`, not part of the chain) and says whether it arrived. */
  async test(
    p: Principal,
    workspaceId: string,
    name: string,
  ): Promise<{ ok: true; name: string; target: string; sentAt: string }> {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const sink = await this.store.scope(tenantId).auditSinks.get(workspaceId, name);
    if (!sink) throw new TollgateError("not_found", `no sink ${name} in workspace ${workspaceId}`);
    const config = configOf(sink);
    const now = iso(this.clock);
    try {
      const transport = await this.transports.open(tenantId, workspaceId, config);
      await transport.send([
        {
          tenant: tenantId,
          traceId: null,
          event: {
            seq: 0,
            id: newId("evt"),
            ts: now,
            type: "audit_sink.test",
            workspace: workspaceId,
            run: null,
            call: null,
            actor: p.keyId,
            data: { sink: name, message: "test event from Tollgate; it is not part of the audit chain" },
            prevHash: "",
            hash: "",
          },
        },
      ]);
    } catch (e) {
      throw new TollgateError("upstream_failed", `the test event did not reach sink ${name}: ${(e as Error).message}`, {
        sink: name,
        target: targetOf(config),
      });
    }
    return { ok: true, name, target: targetOf(config), sentAt: now };
  }

  private async status(tenantId: string, s: AuditSinkRecord): Promise<SinkStatus> {
    const backlog = await this.store.scope(tenantId).audit.backlog(s.workspaceId, s.cursorSeq);
    const config = configOf(s);
    return {
      name: s.name,
      kind: s.kind,
      format: s.format,
      target: targetOf(config),
      config: shownConfig(s.config),
      cursor: s.cursorSeq,
      delivered: s.delivered,
      lagEvents: backlog.events,
      lagSeconds: backlog.oldestTs
        ? Math.max(0, Math.round((this.clock.now().getTime() - Date.parse(backlog.oldestTs)) / 1000))
        : 0,
      failures: s.failures,
      lastError: s.lastError,
      lastErrorAt: s.lastErrorAt,
      lastDeliveredAt: s.lastDeliveredAt,
      nextAttemptAt: s.nextAttemptAt,
      alerting: s.alertedAt !== null,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
  }
}
