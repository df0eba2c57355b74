import type { Kysely } from "kysely";

// Written with Kysely's schema builder only, so the same migration runs on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("tenants")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("name", "text")
    .addColumn("wrapped_key", "text", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("workspaces")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("workspaces_tenant").on("workspaces").columns(["tenant_id"]).execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "varchar(16)", (c) => c.notNull())
    .addColumn("secret_hash", "varchar(128)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("created_by", "varchar(64)")
    .addColumn("revoked_at", "varchar(32)")
    .addColumn("last_used_at", "varchar(32)")
    .execute();
  await db.schema.createIndex("api_keys_tenant_ws").on("api_keys").columns(["tenant_id", "workspace_id"]).execute();

  await db.schema
    .createTable("secrets")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "varchar(128)", (c) => c.notNull())
    .addColumn("ciphertext", "text", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("secrets_pk", ["tenant_id", "workspace_id", "name"])
    .execute();

  await db.schema
    .createTable("workflows")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "varchar(128)", (c) => c.notNull())
    .addColumn("active_version", "varchar(80)", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("workflows_pk", ["tenant_id", "workspace_id", "name"])
    .execute();

  await db.schema
    .createTable("workflow_versions")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "varchar(128)", (c) => c.notNull())
    .addColumn("version", "varchar(80)", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("manifest", "text", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("created_by", "varchar(64)")
    .addPrimaryKeyConstraint("workflow_versions_pk", ["tenant_id", "workspace_id", "name", "version"])
    .execute();

  await db.schema
    .createTable("runs")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workflow", "varchar(128)", (c) => c.notNull())
    .addColumn("workflow_version", "varchar(80)", (c) => c.notNull())
    .addColumn("agent", "text")
    .addColumn("acting_as", "text")
    .addColumn("labels", "text", (c) => c.notNull())
    .addColumn("trace_id", "varchar(32)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("stop_reason", "text")
    .addColumn("tool_calls", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("model_calls", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("cost_usd", "double precision", (c) => c.notNull().defaultTo(0))
    .addColumn("started_by", "varchar(64)", (c) => c.notNull())
    .addColumn("started_at", "varchar(32)", (c) => c.notNull())
    .addColumn("deadline_at", "varchar(32)")
    .addColumn("ended_at", "varchar(32)")
    .addColumn("output", "text")
    .execute();
  await db.schema
    .createIndex("runs_tenant_ws")
    .on("runs")
    .columns(["tenant_id", "workspace_id", "started_at"])
    .execute();

  await db.schema
    .createTable("tool_calls")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("run_id", "varchar(64)", (c) => c.notNull())
    .addColumn("tool", "varchar(160)", (c) => c.notNull())
    .addColumn("class", "varchar(16)", (c) => c.notNull())
    .addColumn("args", "text", (c) => c.notNull())
    .addColumn("args_sealed", "text")
    .addColumn("args_hash", "varchar(64)", (c) => c.notNull())
    .addColumn("decision", "varchar(16)", (c) => c.notNull())
    .addColumn("rules", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("status", "varchar(24)", (c) => c.notNull())
    .addColumn("result", "text")
    .addColumn("error", "text")
    .addColumn("approval_id", "varchar(64)")
    .addColumn("idempotency_key", "varchar(200)")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("requested_by", "varchar(64)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("started_at", "varchar(32)")
    .addColumn("finished_at", "varchar(32)")
    .execute();
  await db.schema
    .createIndex("tool_calls_run")
    .on("tool_calls")
    .columns(["tenant_id", "run_id", "tool", "args_hash"])
    .execute();
  await db.schema.createIndex("tool_calls_status").on("tool_calls").columns(["status"]).execute();
  await db.schema
    .createIndex("tool_calls_idempotency")
    .on("tool_calls")
    .columns(["tenant_id", "run_id", "idempotency_key"])
    .unique()
    .execute();

  await db.schema
    .createTable("approvals")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("run_id", "varchar(64)", (c) => c.notNull())
    .addColumn("call_id", "varchar(64)", (c) => c.notNull())
    .addColumn("args_hash", "varchar(64)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("requested_by", "varchar(64)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(32)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("decided_by", "varchar(64)")
    .addColumn("decided_by_name", "text")
    .addColumn("decided_at", "varchar(32)")
    .addColumn("reason", "text")
    .addColumn("channel", "varchar(16)")
    .execute();
  await db.schema
    .createIndex("approvals_ws_status")
    .on("approvals")
    .columns(["tenant_id", "workspace_id", "status"])
    .execute();

  await db.schema
    .createTable("audit_events")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("id", "varchar(64)", (c) => c.notNull())
    .addColumn("ts", "varchar(32)", (c) => c.notNull())
    .addColumn("type", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)")
    .addColumn("run_id", "varchar(64)")
    .addColumn("call_id", "varchar(64)")
    .addColumn("actor", "varchar(64)")
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("prev_hash", "varchar(64)", (c) => c.notNull())
    .addColumn("hash", "varchar(64)", (c) => c.notNull())
    .addPrimaryKeyConstraint("audit_events_pk", ["tenant_id", "seq"])
    .execute();
  await db.schema.createIndex("audit_events_run").on("audit_events").columns(["tenant_id", "run_id", "seq"]).execute();

  await db.schema
    .createTable("audit_heads")
    .addColumn("tenant_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("hash", "varchar(64)", (c) => c.notNull())
    .execute();
}
