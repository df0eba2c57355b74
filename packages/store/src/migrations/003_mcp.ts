import type { Kysely } from "kysely";

/**
 * MCP tool pins (DESIGN §3 stage 4): the definition of each upstream MCP tool a workflow version
 * uses, hashed when the version is created. An admin's accept replaces hash and definition.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("tool_pins")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workflow", "varchar(128)", (c) => c.notNull())
    .addColumn("version", "varchar(80)", (c) => c.notNull())
    .addColumn("system", "varchar(128)", (c) => c.notNull())
    .addColumn("tool", "varchar(160)", (c) => c.notNull())
    .addColumn("hash", "varchar(80)", (c) => c.notNull())
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("pinned_at", "varchar(32)", (c) => c.notNull())
    .addColumn("pinned_by", "varchar(64)")
    .addColumn("accepted_at", "varchar(32)")
    .addColumn("accepted_by", "varchar(64)")
    .addPrimaryKeyConstraint("tool_pins_pk", ["tenant_id", "workspace_id", "workflow", "version", "system", "tool"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("tool_pins").execute();
}
