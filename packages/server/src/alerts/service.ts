import { newId, TollgateError } from "@tollgate/core";
import type { AlertRecord, AlertSeverity, Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import { can, ownWorkspace, requireRole, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { NotificationDelivery } from "../notifications/delivery.js";
import { alertChannels, enqueueAlert } from "../notifications/enqueue.js";
import { alertView } from "./view.js";

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

/**
 * Alerts: stored per workspace (once per condition), audited, listed, acknowledged, and sent to the
 * workspace's webhook channels (the signed webhooks of `PUT /v1/workspaces/{ws}/notifications`)
 * through the notification outbox: queued in the transaction that stores the alert, tried at once,
 * then retried with backoff like approval notifications. Raising never throws at the caller and
 * never waits for the webhook.
 */
export class AlertService {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly delivery: NotificationDelivery,
    private readonly clock: Clock,
    private readonly log: (msg: string, err: unknown) => void,
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
    const deliveries = await this.store.transaction(a.tenantId, async (s) => {
      const channels = await alertChannels(s, a.workspaceId);
      if (channels.length > 0) record.delivery = "pending";
      if (!(await s.alerts.insert(record))) return undefined;
      const ids = await enqueueAlert(s, channels, a.workspaceId, record.id, now);
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
      return ids;
    });
    if (!deliveries) return undefined;
    if (deliveries.length > 0) this.track(this.delivery.attemptNow(a.tenantId, deliveries));
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

  /** Resolves when every alert raised so far is stored and its first webhook attempt has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p
      .catch((e: unknown) => this.log("raising an alert failed", e))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
