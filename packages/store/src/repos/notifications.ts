import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { Database, NotificationOutboxTable } from "../schema.js";

/** A workspace's notification channel: a signed webhook or a chat incoming webhook. */
export interface NotificationChannelRecord {
  workspaceId: string;
  name: string;
  kind: "webhook" | "slack";
  /** kind-specific settings; secrets are only named (workspace secrets), never held here */
  config: Record<string, unknown>;
  updatedAt: string;
}

export type OutboxStatus = "pending" | "delivered" | "failed";

/** One delivery of one event (an approval's or an alert's) to one channel, retried until delivered or given up. */
export interface OutboxRecord {
  id: string;
  tenantId: string;
  workspaceId: string;
  channel: string;
  event: string;
  /** the approval of an `approval.*` event, the alert of `alert.raised` */
  subjectId: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export const toOutboxRecord = (r: NotificationOutboxTable): OutboxRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  workspaceId: r.workspace_id,
  channel: r.channel,
  event: r.event,
  subjectId: r.subject_id,
  status: r.status as OutboxStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

export class NotificationsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  /** Replaces the workspace's channels as a whole (the configuration is one document). */
  async replaceChannels(
    workspaceId: string,
    channels: Omit<NotificationChannelRecord, "workspaceId" | "updatedAt">[],
    now: string,
  ): Promise<void> {
    await this.db
      .deleteFrom("notification_channels")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .execute();
    if (channels.length === 0) return;
    await this.db
      .insertInto("notification_channels")
      .values(
        channels.map((c) => ({
          tenant_id: this.tenantId,
          workspace_id: workspaceId,
          name: c.name,
          kind: c.kind,
          config: toJson(c.config),
          updated_at: now,
        })),
      )
      .execute();
  }

  async channels(workspaceId: string): Promise<NotificationChannelRecord[]> {
    const rows = await this.db
      .selectFrom("notification_channels")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .orderBy("name")
      .execute();
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      name: r.name,
      kind: r.kind as NotificationChannelRecord["kind"],
      config: fromJson(r.config, {}),
      updatedAt: r.updated_at,
    }));
  }

  async enqueue(rows: Omit<OutboxRecord, "tenantId" | "status" | "attempts" | "lastError" | "deliveredAt">[]) {
    if (rows.length === 0) return;
    await this.db
      .insertInto("notification_outbox")
      .values(
        rows.map((r) => ({
          id: r.id,
          tenant_id: this.tenantId,
          workspace_id: r.workspaceId,
          channel: r.channel,
          event: r.event,
          subject_id: r.subjectId,
          status: "pending",
          attempts: 0,
          next_attempt_at: r.nextAttemptAt,
          last_error: null,
          created_at: r.createdAt,
          delivered_at: null,
        })),
      )
      .execute();
  }

  async deliveries(workspaceId: string, limit = 100): Promise<OutboxRecord[]> {
    const rows = await this.db
      .selectFrom("notification_outbox")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map(toOutboxRecord);
  }

  async get(id: string): Promise<OutboxRecord | undefined> {
    const r = await this.db
      .selectFrom("notification_outbox")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toOutboxRecord(r);
  }

  /** Every delivery of one approval or alert, oldest first. */
  async ofSubject(subjectId: string): Promise<OutboxRecord[]> {
    const rows = await this.db
      .selectFrom("notification_outbox")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("subject_id", "=", subjectId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toOutboxRecord);
  }

  /**
   * Takes a due delivery for a while: moves its next attempt to `leaseUntil` only if nobody else
   * did since it was read (compare-and-set, the same on both dialects), so one replica sends it.
   */
  async claim(id: string, seenNextAttemptAt: string, leaseUntil: string): Promise<boolean> {
    const r = await this.db
      .updateTable("notification_outbox")
      .set({ next_attempt_at: leaseUntil })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where("next_attempt_at", "=", seenNextAttemptAt)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delivered(id: string, attempts: number, now: string): Promise<void> {
    await this.db
      .updateTable("notification_outbox")
      .set({ status: "delivered", attempts, delivered_at: now, last_error: null })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .execute();
  }

  /** A failed attempt: retried at `nextAttemptAt`, or given up (`failed`) when that is null. */
  async attemptFailed(id: string, attempts: number, error: string, nextAttemptAt: string | null): Promise<void> {
    await this.db
      .updateTable("notification_outbox")
      .set({
        attempts,
        last_error: error.slice(0, 500),
        ...(nextAttemptAt ? { next_attempt_at: nextAttemptAt } : { status: "failed" }),
      })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .execute();
  }
}
