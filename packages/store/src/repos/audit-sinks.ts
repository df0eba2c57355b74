import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { AuditSinksTable, Database } from "../schema.js";

/** A SIEM sink of one workspace, with its delivery state (cursor into the audit table, failures). */
export interface AuditSinkRecord {
  tenantId: string;
  workspaceId: string;
  name: string;
  kind: string;
  format: string;
  config: Record<string, unknown>;
  /** the seq of the last audit event delivered (tenant chain seq) */
  cursorSeq: number;
  delivered: number;
  failures: number;
  nextAttemptAt: string;
  lastError: string | null;
  lastErrorAt: string | null;
  lastDeliveredAt: string | null;
  alertedAt: string | null;
  leaseOwner: string | null;
  leaseUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SinkDefinition {
  kind: string;
  format: string;
  config: Record<string, unknown>;
}

export const toAuditSinkRecord = (r: AuditSinksTable): AuditSinkRecord => ({
  tenantId: r.tenant_id,
  workspaceId: r.workspace_id,
  name: r.name,
  kind: r.kind,
  format: r.format,
  config: fromJson(r.config, {}),
  cursorSeq: Number(r.cursor_seq),
  delivered: Number(r.delivered),
  failures: Number(r.failures),
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
  lastDeliveredAt: r.last_delivered_at,
  alertedAt: r.alerted_at,
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Sinks and their cursors. The audit table is the outbox: a sink's cursor says how far it has
 * delivered. Work is taken with a lease (a conditional UPDATE, the same on both dialects), and the
 * cursor only moves for the lease holder, so two replicas never deliver the same sink at once.
 */
export class AuditSinksRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  private base(workspaceId: string, name: string) {
    return this.db
      .updateTable("audit_sinks")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name);
  }

  /** Creates a sink (cursor at `startSeq`) or changes its definition, keeping its cursor. Returns true when created. */
  async put(workspaceId: string, name: string, def: SinkDefinition, startSeq: number, now: string): Promise<boolean> {
    const changed = await this.base(workspaceId, name)
      .set({
        kind: def.kind,
        format: def.format,
        config: toJson(def.config),
        updated_at: now,
        failures: 0,
        next_attempt_at: now,
      })
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) > 0) return false;
    await this.db
      .insertInto("audit_sinks")
      .values({
        tenant_id: this.tenantId,
        workspace_id: workspaceId,
        name,
        kind: def.kind,
        format: def.format,
        config: toJson(def.config),
        cursor_seq: startSeq,
        delivered: 0,
        failures: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return true;
  }

  async get(workspaceId: string, name: string): Promise<AuditSinkRecord | undefined> {
    const r = await this.db
      .selectFrom("audit_sinks")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .executeTakeFirst();
    return r && toAuditSinkRecord(r);
  }

  async list(workspaceId: string): Promise<AuditSinkRecord[]> {
    const rows = await this.db
      .selectFrom("audit_sinks")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .orderBy("name")
      .execute();
    return rows.map(toAuditSinkRecord);
  }

  async remove(workspaceId: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom("audit_sinks")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Takes (or renews) the sink's lease when it is free, expired, or already ours. */
  async tryLease(workspaceId: string, name: string, owner: string, now: string, until: string): Promise<boolean> {
    const r = await this.base(workspaceId, name)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now), eb("lease_owner", "=", owner)]))
      .set({ lease_owner: owner, lease_until: until })
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async releaseLease(workspaceId: string, name: string, owner: string): Promise<void> {
    await this.base(workspaceId, name)
      .where("lease_owner", "=", owner)
      .set({ lease_owner: null, lease_until: null })
      .execute();
  }

  /** After a successful send: moves the cursor forward (only for the lease holder). */
  async advance(
    workspaceId: string,
    name: string,
    owner: string,
    toSeq: number,
    count: number,
    now: string,
  ): Promise<boolean> {
    const r = await this.base(workspaceId, name)
      .where("lease_owner", "=", owner)
      .where("cursor_seq", "<", toSeq)
      .set((eb) => ({
        cursor_seq: toSeq,
        delivered: eb("delivered", "+", count),
        failures: 0,
        last_delivered_at: now,
        next_attempt_at: now,
      }))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** After a failed send: counts it and says when to try again. */
  async recordFailure(
    workspaceId: string,
    name: string,
    owner: string,
    error: string,
    now: string,
    nextAttemptAt: string,
  ): Promise<void> {
    await this.base(workspaceId, name)
      .where("lease_owner", "=", owner)
      .set((eb) => ({
        failures: eb("failures", "+", 1),
        last_error: error.slice(0, 2000),
        last_error_at: now,
        next_attempt_at: nextAttemptAt,
      }))
      .execute();
  }

  /** Sets or clears the time an alert was raised for this sink (so it is raised once). */
  async setAlerted(workspaceId: string, name: string, at: string | null): Promise<void> {
    await this.base(workspaceId, name).set({ alerted_at: at }).execute();
  }
}
