import type { Kysely } from "kysely";

/**
 * Approvals an approver can live with (issue 3): how many distinct approvers an approval needs and
 * whom to escalate to; one row per decision (who, when, why, channel, what was shown); the
 * workspace's notification channels; and the outbox their deliveries are retried from.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // one column per ALTER: SQLite adds a single column per statement
  await db.schema
    .alterTable("approvals")
    .addColumn("required", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable("approvals")
    .addColumn("approval_count", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("approvals").addColumn("approvers", "text").execute();
  await db.schema.alterTable("approvals").addColumn("escalate_to", "text").execute();
  await db.schema.alterTable("approvals").addColumn("escalated_at", "varchar(32)").execute();
  await db.schema
    .createIndex("approvals_run_status")
    .on("approvals")
    .columns(["tenant_id", "run_id", "status"])
    .execute();
  await db.schema.createIndex("approvals_due").on("approvals").columns(["status", "expires_at"]).execute();

  await db.schema
    .createTable("approval_decisions")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("approval_id", "varchar(64)", (c) => c.notNull())
    // a key id, or link:<id> for a chat link: the primary key makes each approver count once
    .addColumn("approver", "varchar(128)", (c) => c.notNull())
    .addColumn("approver_name", "text", (c) => c.notNull())
    .addColumn("approver_role", "varchar(32)", (c) => c.notNull())
    .addColumn("decision", "varchar(8)", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("channel", "varchar(16)", (c) => c.notNull())
    .addColumn("shown", "text", (c) => c.notNull())
    .addColumn("decided_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("approval_decisions_pk", ["tenant_id", "approval_id", "approver"])
    .execute();

  await db.schema
    .createTable("notification_channels")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "varchar(64)", (c) => c.notNull())
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("config", "text", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("notification_channels_pk", ["tenant_id", "workspace_id", "name"])
    .execute();

  await db.schema
    .createTable("notification_outbox")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("channel", "varchar(64)", (c) => c.notNull())
    .addColumn("event", "varchar(64)", (c) => c.notNull())
    .addColumn("approval_id", "varchar(64)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "varchar(32)", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("delivered_at", "varchar(32)")
    .execute();
  await db.schema
    .createIndex("notification_outbox_due")
    .on("notification_outbox")
    .columns(["status", "next_attempt_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("notification_outbox").execute();
  await db.schema.dropTable("notification_channels").execute();
  await db.schema.dropTable("approval_decisions").execute();
  await db.schema.dropIndex("approvals_due").execute();
  await db.schema.dropIndex("approvals_run_status").execute();
  for (const c of ["escalated_at", "escalate_to", "approvers", "approval_count", "required"])
    await db.schema.alterTable("approvals").dropColumn(c).execute();
}
