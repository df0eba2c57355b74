import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { AlertsTable, Database } from "../schema.js";

export type AlertSeverity = "info" | "warning" | "critical";
/**
 * `stored`: no webhook channel; `pending`: queued or being retried; `delivered`: every channel took
 * it; `failed`: a channel's delivery was given up.
 */
export type AlertDelivery = "stored" | "pending" | "delivered" | "failed";

export interface AlertRecord {
  id: string;
  workspaceId: string;
  kind: string;
  severity: AlertSeverity;
  runId: string | null;
  message: string;
  data: Record<string, unknown>;
  /** one alert per condition: a second alert with the same key is not stored */
  dedupeKey: string | null;
  createdAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  /** stored only (no webhook configured), delivered to the workspace's webhook, or failed to */
  delivery: AlertDelivery;
  deliveryError: string | null;
}

/** `delivery`: `pending` when deliveries are queued with it, `stored` when there is nowhere to send it */
export type NewAlert = Omit<AlertRecord, "acknowledgedBy" | "acknowledgedAt" | "deliveryError">;

export interface AlertFilter {
  workspaceId: string;
  acknowledged?: boolean;
  kind?: string;
  runId?: string;
  limit?: number;
}

const toRecord = (r: AlertsTable): AlertRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  kind: r.kind,
  severity: r.severity as AlertSeverity,
  runId: r.run_id,
  message: r.message,
  data: fromJson(r.data, {}),
  dedupeKey: r.dedupe_key,
  createdAt: r.created_at,
  acknowledgedBy: r.acknowledged_by,
  acknowledgedAt: r.acknowledged_at,
  delivery: r.delivery as AlertDelivery,
  deliveryError: r.delivery_error,
});

export class AlertsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  /** Stores an alert; false when one with the same dedupe key already exists. */
  async insert(a: NewAlert): Promise<boolean> {
    const r = await this.db
      .insertInto("alerts")
      .values({
        id: a.id,
        tenant_id: this.tenantId,
        workspace_id: a.workspaceId,
        kind: a.kind,
        severity: a.severity,
        run_id: a.runId,
        message: a.message,
        data: toJson(a.data),
        dedupe_key: a.dedupeKey,
        created_at: a.createdAt,
        acknowledged_by: null,
        acknowledged_at: null,
        delivery: a.delivery,
        delivery_error: null,
      })
      .onConflict((oc) => oc.columns(["tenant_id", "dedupe_key"]).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const r = await this.db
      .selectFrom("alerts")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  async list(f: AlertFilter): Promise<AlertRecord[]> {
    let q = this.db
      .selectFrom("alerts")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", f.workspaceId);
    if (f.acknowledged === true) q = q.where("acknowledged_at", "is not", null);
    if (f.acknowledged === false) q = q.where("acknowledged_at", "is", null);
    if (f.kind) q = q.where("kind", "=", f.kind);
    if (f.runId) q = q.where("run_id", "=", f.runId);
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(f.limit ?? 100)
      .execute();
    return rows.map(toRecord);
  }

  /** Acknowledges once (compare-and-set): false when already acknowledged or absent. */
  async acknowledge(id: string, by: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable("alerts")
      .set({ acknowledged_by: by, acknowledged_at: at })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .where("acknowledged_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setDelivery(id: string, delivery: AlertDelivery, error: string | null): Promise<void> {
    await this.db
      .updateTable("alerts")
      .set({ delivery, delivery_error: error === null ? null : error.slice(0, 500) })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .execute();
  }
}
