import type { Kysely } from "kysely";

/**
 * SIEM export and verifiable logs (issue 7): sinks per workspace, each with its own cursor into the
 * audit table (which is the outbox) and a lease so one replica delivers at a time; per-tenant
 * Ed25519 signing keys (private key sealed with the tenant's data key); signed checkpoints, kept
 * when audit rows are purged.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("audit_sinks")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "varchar(64)", (c) => c.notNull())
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("format", "varchar(16)", (c) => c.notNull())
    .addColumn("config", "text", (c) => c.notNull())
    .addColumn("cursor_seq", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("delivered", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "varchar(32)", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("last_error_at", "varchar(32)")
    .addColumn("last_delivered_at", "varchar(32)")
    .addColumn("alerted_at", "varchar(32)")
    .addColumn("lease_owner", "varchar(64)")
    .addColumn("lease_until", "varchar(32)")
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("audit_sinks_pk", ["tenant_id", "workspace_id", "name"])
    .execute();
  await db.schema.createIndex("audit_sinks_due").on("audit_sinks").columns(["next_attempt_at"]).execute();
  await db.schema
    .createIndex("audit_events_ws")
    .on("audit_events")
    .columns(["tenant_id", "workspace_id", "seq"])
    .execute();

  await db.schema
    .createTable("audit_signing_keys")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("key_id", "varchar(64)", (c) => c.notNull())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("private_key_sealed", "text", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("audit_signing_keys_pk", ["tenant_id", "key_id"])
    .execute();

  await db.schema
    .createTable("audit_checkpoints")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("hash", "varchar(64)", (c) => c.notNull())
    .addColumn("signed_at", "varchar(32)", (c) => c.notNull())
    .addColumn("key_id", "varchar(64)", (c) => c.notNull())
    .addColumn("signature", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("audit_checkpoints_pk", ["tenant_id", "seq"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("audit_checkpoints").execute();
  await db.schema.dropTable("audit_signing_keys").execute();
  await db.schema.dropIndex("audit_events_ws").execute();
  await db.schema.dropTable("audit_sinks").execute();
}
