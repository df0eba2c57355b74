import type { OutboxRecord, Store } from "@tollgate/store";
import { type Dispatcher, request } from "undici";
import type { ApprovalLinks } from "../approvals/links.js";
import { type Clock, iso } from "../clock.js";
import type { Vault } from "../identity/vault.js";
import { alertEvent, type ApprovalEvent, subjectOf } from "./enqueue.js";
import { alertWebhookBody, type ApprovalNotice, slackBody, webhookBody } from "./messages.js";
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
 * its approval or alert as it is now, sent, and marked delivered, or retried later with
 * exponential backoff. Calls never wait on any of this. An alert's own `delivery` sums up its
 * deliveries after each attempt.
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
    let attempted = 0;
    for (const d of await this.store.findDueNotifications(iso(this.clock), batch)) {
      if (await this.attempt(d)) attempted++;
    }
    return attempted;
  }

  /** The first attempt of deliveries just queued, without waiting for the next pass (alerts). */
  async attemptNow(tenantId: string, ids: readonly string[]): Promise<void> {
    const scope = this.store.scope(tenantId);
    for (const id of ids) {
      const d = await scope.notifications.get(id);
      if (d?.status === "pending") await this.attempt(d);
    }
  }

  /** Claims one delivery, sends it and records how it went. False when someone else holds it. */
  private async attempt(d: OutboxRecord): Promise<boolean> {
    const scope = this.store.scope(d.tenantId);
    if (!(await scope.notifications.claim(d.id, d.nextAttemptAt, iso(this.clock, this.opts.timeoutMs * 3))))
      return false;
    const attempts = d.attempts + 1;
    try {
      await this.send(d);
      await scope.notifications.delivered(d.id, attempts, iso(this.clock));
    } catch (e) {
      await this.failed(d, attempts, (e as Error).message ?? String(e));
    }
    if (d.event === alertEvent) await this.sumUpAlert(d.tenantId, d.subjectId);
    return true;
  }

  /** An alert's delivery: failed once a channel is given up, delivered once every channel took it. */
  private async sumUpAlert(tenantId: string, alertId: string): Promise<void> {
    const scope = this.store.scope(tenantId);
    const deliveries = await scope.notifications.ofSubject(alertId);
    const state = deliveries.some((d) => d.status === "failed")
      ? "failed"
      : deliveries.every((d) => d.status === "delivered")
        ? "delivered"
        : "pending";
    const errors = deliveries
      .filter((d) => d.status !== "delivered" && d.lastError)
      .map((d) => `${d.channel}: ${d.lastError}`);
    await scope.alerts.setDelivery(alertId, state, errors.join("; ") || null);
  }

  private async send(d: OutboxRecord): Promise<void> {
    const scope = this.store.scope(d.tenantId);
    const channel = (await scope.notifications.channels(d.workspaceId)).find((c) => c.name === d.channel);
    if (!channel) throw new Error(`channel ${d.channel} is no longer configured`);
    const secretName = String(channel.kind === "webhook" ? channel.config.secretRef : channel.config.urlSecretRef);
    const secret = await this.vault.getSecret(d.tenantId, d.workspaceId, secretName);
    if (secret === undefined) throw new Error(`secret ${secretName} is not set`);
    const sentAt = this.clock.now();
    let url: string;
    let body: string;
    const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "tollgate" };
    if (channel.kind === "webhook") {
      url = String(channel.config.url);
      body = await this.webhookBody(d, sentAt.toISOString());
      headers[signatureHeader] = signWebhook(secret, body, Math.floor(sentAt.getTime() / 1000));
      headers["x-tollgate-event"] = d.event;
      headers["x-tollgate-delivery"] = d.id;
    } else {
      url = secret;
      body = await this.slackBody(d);
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

  private async webhookBody(d: OutboxRecord, sentAt: string): Promise<string> {
    if (d.event !== alertEvent) return webhookBody(await this.notice(d), d.id, sentAt);
    const alert = await this.store.scope(d.tenantId).alerts.get(d.subjectId);
    if (!alert) throw new Error(`alert ${d.subjectId} is gone`);
    return alertWebhookBody(alert, d.id, sentAt);
  }

  /** A chat message with approve and deny links (approval events only: alerts go to webhooks). */
  private async slackBody(d: OutboxRecord): Promise<string> {
    if (d.event === alertEvent) throw new Error(`channel ${d.channel} is no longer a webhook`);
    const notice = await this.notice(d);
    const approval = await this.store.scope(d.tenantId).approvals.get(d.subjectId);
    if (!approval) throw new Error(`approval ${d.subjectId} is gone`);
    const base = this.publicUrl().replace(/\/$/, "");
    return slackBody(notice, {
      approve: `${base}/approval-links?token=${await this.links.mint(approval, "approve")}`,
      deny: `${base}/approval-links?token=${await this.links.mint(approval, "deny")}`,
    });
  }

  private async notice(d: OutboxRecord): Promise<ApprovalNotice> {
    const scope = this.store.scope(d.tenantId);
    const a = await scope.approvals.get(d.subjectId);
    const call = a && (await scope.toolCalls.get(a.callId));
    const run = a && (await scope.runs.get(a.runId));
    if (!a || !call || !run) throw new Error(`approval ${d.subjectId} is gone`);
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
              data: { delivery: d.id, channel: d.channel, event: d.event, ...subjectOf(d), attempts, error },
            },
          ],
          now,
        );
    });
  }
}
