import { newId, TollgateError } from "@tollgate/core";
import type { AlertRecord, AlertSeverity, Store } from "@tollgate/store";
import { type Dispatcher, request } from "undici";
import { type Clock, iso } from "../clock.js";
import { can, ownWorkspace, requireRole, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { Vault } from "../identity/vault.js";
import { signatureHeader, signWebhook } from "../notifications/signature.js";

/** What any feature hands to `services.alerts.raise`. */
export interface RaiseAlert {
  tenantId: string;
  workspaceId: string;
  /** e.g. budget_threshold, spend_cap_threshold, run_cost_anomaly, call_burst, repeated_call */
  kind: string;
  severity: AlertSeverity;
  runId?: string | null;
  /** one sentence for a person */
  message: string;
  data?: Record<string, unknown>;
  /** the condition's identity: a second alert with the same key is not raised again */
  dedupeKey?: string;
}

export interface AlertFilterInput {
  acknowledged?: boolean;
  kind?: string;
  runId?: string;
  limit?: number;
}

const deliveryTimeoutMs = 10_000;

/**
 * Alerts: stored per workspace (once per condition), audited, listed, acknowledged, and sent to the
 * workspace's webhook channels (the signed webhooks of `PUT /v1/workspaces/{ws}/notifications`).
 * Raising never throws at the caller and never waits for the webhook.
 */
export class AlertService {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
    private readonly log: (msg: string, err: unknown) => void,
    private readonly dispatcher?: Dispatcher,
  ) {}

  /** Stores the alert (unless its condition already alerted) and sends it on. Undefined when deduplicated. */
  async raise(a: RaiseAlert): Promise<AlertRecord | undefined> {
    const now = iso(this.clock);
    const record: AlertRecord = {
      id: newId("alr"),
      workspaceId: a.workspaceId,
      kind: a.kind,
      severity: a.severity,
      runId: a.runId ?? null,
      message: a.message,
      data: a.data ?? {},
      dedupeKey: a.dedupeKey ?? null,
      createdAt: now,
      acknowledgedBy: null,
      acknowledgedAt: null,
      delivery: "stored",
      deliveryError: null,
    };
    const stored = await this.store.transaction(a.tenantId, async (s) => {
      if (!(await s.alerts.insert(record))) return false;
      await s.audit.append(
        [
          {
            type: "alert.raised",
            workspace: a.workspaceId,
            ...(a.runId ? { run: a.runId } : {}),
            data: { alertId: record.id, kind: a.kind, severity: a.severity, message: a.message, ...a.data },
          },
        ],
        now,
      );
      return true;
    });
    if (!stored) return undefined;
    this.track(this.deliver(a.tenantId, record));
    return record;
  }

  /** Raise from a place that must not fail because alerting did (a call's hot path, a background check). */
  raiseQuietly(a: RaiseAlert): void {
    this.track(this.raise(a));
  }

  async list(p: Principal, workspaceId: string, f: AlertFilterInput) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.listApprovals);
    const items = await this.store.scope(tenantId).alerts.list({ workspaceId, ...f });
    return { items: items.map(alertView) };
  }

  async acknowledge(p: Principal, id: string) {
    const scope = this.store.scope(p.tenantId);
    const alert = ownWorkspace(p, await scope.alerts.get(id), "alert", id);
    requireRole(p, can.decideApprovals);
    const now = iso(this.clock);
    const done = await this.store.transaction(p.tenantId, async (s) => {
      if (!(await s.alerts.acknowledge(id, p.keyId, now))) return false;
      await s.audit.append(
        [
          {
            type: "alert.acknowledged",
            workspace: alert.workspaceId,
            ...(alert.runId ? { run: alert.runId } : {}),
            actor: p.keyId,
            data: { alertId: id, kind: alert.kind },
          },
        ],
        now,
      );
      return true;
    });
    if (!done) throw new TollgateError("conflict", `alert ${id} was already acknowledged`);
    return alertView((await scope.alerts.get(id)) as AlertRecord);
  }

  /** Resolves when every alert raised so far is stored and its webhook attempt has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p
      .catch((e: unknown) => this.log("raising an alert failed", e))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** One signed attempt per webhook channel; the outcome is kept on the alert. */
  private async deliver(tenantId: string, alert: AlertRecord): Promise<void> {
    const scope = this.store.scope(tenantId);
    const hooks = (await scope.notifications.channels(alert.workspaceId)).filter((c) => c.kind === "webhook");
    if (hooks.length === 0) return;
    const errors: string[] = [];
    for (const hook of hooks) {
      try {
        const secret = await this.vault.getSecret(tenantId, alert.workspaceId, String(hook.config.secretRef));
        if (secret === undefined) throw new Error(`secret ${String(hook.config.secretRef)} is not set`);
        const sentAt = this.clock.now();
        const body = JSON.stringify({ event: "alert.raised", sentAt: sentAt.toISOString(), alert: alertView(alert) });
        const res = await request(String(hook.config.url), {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "tollgate",
            "x-tollgate-event": "alert.raised",
            [signatureHeader]: signWebhook(secret, body, Math.floor(sentAt.getTime() / 1000)),
          },
          body,
          headersTimeout: deliveryTimeoutMs,
          bodyTimeout: deliveryTimeoutMs,
          ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
        });
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`receiver answered ${res.statusCode}`);
      } catch (e) {
        errors.push(`${hook.name}: ${(e as Error).message}`);
      }
    }
    await scope.alerts.setDelivery(alert.id, errors.length === 0 ? "delivered" : "failed", errors.join("; ") || null);
  }
}

export function alertView(a: AlertRecord) {
  return {
    id: a.id,
    workspace: a.workspaceId,
    kind: a.kind,
    severity: a.severity,
    runId: a.runId,
    message: a.message,
    data: a.data,
    createdAt: a.createdAt,
    acknowledgedBy: a.acknowledgedBy,
    acknowledgedAt: a.acknowledgedAt,
    delivery: a.delivery,
    deliveryError: a.deliveryError,
  };
}
