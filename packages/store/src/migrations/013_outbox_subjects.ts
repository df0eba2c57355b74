import type { Kysely } from "kysely";

/**
 * The notification outbox carries alerts as well as approval events (retried the same way, where
 * an alert used to get one attempt): a delivery's subject is the approval of an `approval.*`
 * event or the alert of `alert.raised`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("notification_outbox").renameColumn("approval_id", "subject_id").execute();
  await db.schema
    .createIndex("notification_outbox_subject")
    .on("notification_outbox")
    .columns(["tenant_id", "subject_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("notification_outbox_subject").execute();
  await db.schema.alterTable("notification_outbox").renameColumn("subject_id", "approval_id").execute();
}
