import type { Kysely } from "kysely";

/**
 * Data handling (issue 10): a workspace's retention windows (the default of its workflows, which
 * may set their own in `data.retention`), legal holds on a workspace or one run (a hold stops
 * purging; releasing it keeps the row, so who held what and why stays on record), and an index on
 * audit time for the purge job (runs are already indexed by start time).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("retention_settings")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("runs", "varchar(32)")
    .addColumn("payloads", "varchar(32)")
    .addColumn("audit", "varchar(32)")
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addColumn("updated_by", "varchar(64)")
    .addPrimaryKeyConstraint("retention_settings_pk", ["tenant_id", "workspace_id"])
    .execute();

  await db.schema
    .createTable("legal_holds")
    .addColumn("id", "varchar(64)", (c) => c.notNull())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("run_id", "varchar(64)")
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_by", "varchar(64)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("released_by", "varchar(64)")
    .addColumn("released_at", "varchar(32)")
    .addPrimaryKeyConstraint("legal_holds_pk", ["tenant_id", "id"])
    .execute();
  await db.schema
    .createIndex("legal_holds_ws")
    .on("legal_holds")
    .columns(["tenant_id", "workspace_id", "released_at"])
    .execute();

  // set when a run's payloads were replaced by the purged marker, so the job does each run once
  await db.schema.alterTable("runs").addColumn("payloads_purged_at", "varchar(32)").execute();
  await db.schema.createIndex("audit_events_ts").on("audit_events").columns(["tenant_id", "ts"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("audit_events_ts").execute();
  await db.schema.alterTable("runs").dropColumn("payloads_purged_at").execute();
  await db.schema.dropTable("legal_holds").execute();
  await db.schema.dropTable("retention_settings").execute();
}
