import { type Kysely, sql } from "kysely";

/**
 * Performance (issue 9): fewer index pages per governed call, each one a page its transactions
 * write (two `pwrite`s per page in SQLite's log).
 *
 * - `tool_calls_status` is read only at start-up, for calls cut off while `executing` or
 *   `approved`; it now holds just those, so a call enters it with its intent and leaves it with
 *   its outcome instead of staying in it for ever (one page less per outcome, and the index stays
 *   a page or two however many calls are stored).
 * - `audit_events_ts` served only the retention job's "first event at or after a time", which
 *   now walks `audit_events_ws` in seq order and stops at the first match (the events before it
 *   are those the job is about to purge). Every audit event entered it: two pages per call.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("tool_calls_status").execute();
  await db.schema
    .createIndex("tool_calls_status")
    .on("tool_calls")
    .column("status")
    // OR, not IN: SQLite proves `status = 'executing'` implies an OR of equalities, not an IN list
    .where(sql<boolean>`${sql.ref("status")} = 'executing' or ${sql.ref("status")} = 'approved'`)
    .execute();
  await db.schema.dropIndex("audit_events_ts").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("audit_events_ts").on("audit_events").columns(["tenant_id", "ts"]).execute();
  await db.schema.dropIndex("tool_calls_status").execute();
  await db.schema.createIndex("tool_calls_status").on("tool_calls").column("status").execute();
}
