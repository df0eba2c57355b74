import type { OutboxRecord, Store } from "@tollgate/store";
import { type Dispatcher, request } from "undici";
import type { ApprovalLinks } from "../approvals/links.js";
import { type Clock, iso } from "../clock.js";
import type { Vault } from "../identity/vault.js";
import type { ApprovalEvent } from "./enqueue.js";
import { type ApprovalNotice, slackBody, webhookBody } from "./messages.js";
import { signatureHeader, signWebhook } from "./signature.js";

export interface DeliveryOptions {
  /** first retry after this, doubling up to maxDelayMs */
  initialDelayMs: number;
  maxDelayMs: number;
  /** after this many failed attempts the delivery is given up (and that is audited) */
  maxAttempts: number;
  /** bound on one attempt */
  timeoutMs: number;
}

export const defaultDeliveryOptions: DeliveryOptions = {
  initialDelayMs: 10_000,
  maxDelayMs: 10 * 60_000,
  maxAttempts: 10,
  timeoutMs: 10_000,
};

/**
 * Sends what the outbox holds: each delivery is claimed (so one replica sends it), rendered from
 * the approval as it is now, sent, and marked delivered, or retried later with exponential
 * backoff. Calls never wait on any of this.
 */
export class NotificationDelivery {
  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
    private readonly links: ApprovalLinks,
    private readonly publicUrl: () => string,
    /** the connections deliveries use: they pass the outbound address checks (an admin chooses the URLs) */
    private readonly dispatcher: Dispatcher,
    private readonly opts: DeliveryOptions = defaultDeliveryOptions,
  ) {}

  /** One pass over deliveries that are due. Returns how many were attempted. */
  async runOnce(batch = 100): Promise<number> {
    const now = iso(this.clock);
    let attempted = 0;
    for (const d of await this.store.findDueNotifications(now, batch)) {
      const scope = this.store.scope(d.tenantId);
      if (!(await scope.notifications.claim(d.id, d.nextAttemptAt, iso(this.clock, this.opts.timeoutMs * 3)))) continue;
      attempted++;
      const attempts = d.attempts + 1;
      try {
        await this.send(d);
        await scope.notifications.delivered(d.id, attempts, iso(this.clock));
      } catch (e) {
        await this.failed(d, attempts, (e as Error).message ?? String(e));
      }
    }
    return attempted;
  }

  private async send(d: OutboxRecord): Promise<void> {
    const scope = this.store.scope(d.tenantId);
    const channel = (await scope.notifications.channels(d.workspaceId)).find((c) => c.name === d.channel);
    if (!channel) throw new Error(`channel ${d.channel} is no longer configured`);
    const notice = await this.notice(d);
    const secretName = String(channel.kind === "webhook" ? channel.config.secretRef : channel.config.urlSecretRef);
    const secret = await this.vault.getSecret(d.tenantId, d.workspaceId, secretName);
    if (secret === undefined) throw new Error(`secret ${secretName} is not set`);
    const sentAt = this.clock.now();
    let url: string;
    let body: string;
    const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "tollgate" };
    if (channel.kind === "webhook") {
      url = String(channel.config.url);
      body = webhookBody(notice, d.id, sentAt.toISOString());
      headers[signatureHeader] = signWebhook(secret, body, Math.floor(sentAt.getTime() / 1000));
      headers["x-tollgate-event"] = d.event;
      headers["x-tollgate-delivery"] = d.id;
    } else {
      url = secret;
      const approval = await scope.approvals.get(d.approvalId);
      if (!approval) throw new Error(`approval ${d.approvalId} is gone`);
      const base = this.publicUrl().replace(/\/$/, "");
      body = slackBody(notice, {
        approve: `${base}/approval-links?token=${await this.links.mint(approval, "approve")}`,
        deny: `${base}/approval-links?token=${await this.links.mint(approval, "deny")}`,
      });
    }
    const res = await request(url, {
      method: "POST",
      headers,
      body,
      dispatcher: this.dispatcher,
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`receiver answered ${res.statusCode}`);
  }

  private async notice(d: OutboxRecord): Promise<ApprovalNotice> {
    const scope = this.store.scope(d.tenantId);
    const a = await scope.approvals.get(d.approvalId);
    const call = a && (await scope.toolCalls.get(a.callId));
    const run = a && (await scope.runs.get(a.runId));
    if (!a || !call || !run) throw new Error(`approval ${d.approvalId} is gone`);
    return {
      event: d.event as ApprovalEvent,
      approvalId: a.id,
      workspace: a.workspaceId,
      workflow: run.workflow,
      runId: run.id,
      agent: run.agent,
      callId: call.id,
      tool: call.tool,
      class: call.class,
      args: call.args,
      rules: call.rules,
      reason: call.reason,
      status: a.status,
      required: a.required,
      approvals: a.approvalCount,
      approvers: d.event === "approval.escalated" && a.escalateTo ? a.escalateTo : a.approvers,
      requestedAt: a.createdAt,
      expiresAt: a.expiresAt,
    };
  }

  private async failed(d: OutboxRecord, attempts: number, error: string): Promise<void> {
    const giveUp = attempts >= this.opts.maxAttempts;
    const delay = Math.min(this.opts.initialDelayMs * 2 ** (attempts - 1), this.opts.maxDelayMs);
    const now = iso(this.clock);
    await this.store.transaction(d.tenantId, async (s) => {
      await s.notifications.attemptFailed(d.id, attempts, error, giveUp ? null : iso(this.clock, delay));
      if (giveUp)
        await s.audit.append(
          [
            {
              type: "notification.failed",
              workspace: d.workspaceId,
              data: { delivery: d.id, channel: d.channel, event: d.event, approvalId: d.approvalId, attempts, error },
            },
          ],
          now,
        );
    });
  }
}
