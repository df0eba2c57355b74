import type { Kysely } from "kysely";

/**
 * The model proxy, spend and alerts (issue 5): model providers and price/spend settings per
 * workspace; one row per model call (what was sent where, what it cost, which kinds of data were
 * found and replaced); workspace spend per day and month (reserved atomically like run budgets);
 * alerts. (The model a run is pinned to is part of its versions, migration 007.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("model_providers")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "varchar(64)", (c) => c.notNull())
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("base_url", "text", (c) => c.notNull())
    .addColumn("api_key_secret", "varchar(128)", (c) => c.notNull())
    .addColumn("models", "text", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("model_providers_pk", ["tenant_id", "workspace_id", "name"])
    .execute();

  await db.schema
    .createTable("model_settings")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("prices", "text", (c) => c.notNull())
    .addColumn("daily_usd", "double precision")
    .addColumn("monthly_usd", "double precision")
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("model_settings_pk", ["tenant_id", "workspace_id"])
    .execute();

  await db.schema
    .createTable("workspace_spend")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("period", "varchar(16)", (c) => c.notNull())
    .addColumn("cost_usd", "double precision", (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("workspace_spend_pk", ["tenant_id", "workspace_id", "period"])
    .execute();

  await db.schema
    .createTable("model_calls")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("run_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workflow", "varchar(128)", (c) => c.notNull())
    .addColumn("agent", "varchar(200)")
    .addColumn("provider", "varchar(64)", (c) => c.notNull())
    .addColumn("api", "varchar(16)", (c) => c.notNull())
    .addColumn("model", "varchar(200)", (c) => c.notNull())
    .addColumn("stream", "integer", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("request_hash", "varchar(80)", (c) => c.notNull())
    .addColumn("prompt_chars", "integer", (c) => c.notNull())
    .addColumn("redacted", "text", (c) => c.notNull())
    .addColumn("redactions", "integer", (c) => c.notNull())
    .addColumn("sent_kinds", "text", (c) => c.notNull())
    .addColumn("input_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("output_tokens", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("reserved_usd", "double precision", (c) => c.notNull())
    .addColumn("cost_usd", "double precision", (c) => c.notNull().defaultTo(0))
    .addColumn("error", "text")
    .addColumn("requested_by", "varchar(64)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("first_token_ms", "integer")
    .addColumn("duration_ms", "integer")
    .addColumn("finished_at", "varchar(32)")
    .execute();
  await db.schema.createIndex("model_calls_run").on("model_calls").columns(["tenant_id", "run_id"]).execute();
  await db.schema
    .createIndex("model_calls_ws")
    .on("model_calls")
    .columns(["tenant_id", "workspace_id", "created_at"])
    .execute();

  await db.schema
    .createTable("alerts")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("kind", "varchar(64)", (c) => c.notNull())
    .addColumn("severity", "varchar(16)", (c) => c.notNull())
    .addColumn("run_id", "varchar(64)")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("dedupe_key", "varchar(300)")
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("acknowledged_by", "varchar(64)")
    .addColumn("acknowledged_at", "varchar(32)")
    .addColumn("delivery", "varchar(16)", (c) => c.notNull())
    .addColumn("delivery_error", "text")
    .execute();
  await db.schema.createIndex("alerts_ws").on("alerts").columns(["tenant_id", "workspace_id", "created_at"]).execute();
  // One alert per condition (a run crossing 80% of its budget alerts once, not on every call).
  await db.schema.createIndex("alerts_dedupe").unique().on("alerts").columns(["tenant_id", "dedupe_key"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["alerts", "model_calls", "workspace_spend", "model_settings", "model_providers"])
    await db.schema.dropTable(t).execute();
}
