import type { Kysely } from "kysely";

/**
 * Change control (issue 11): the versions every run ran with (a JSON column for the record, one
 * row per versioned thing so runs of a version are found by index), whether a run is simulated
 * (scripted tool responses), prompts by content version with labels, releases, their eval
 * reports and the history of activations.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("runs").addColumn("versions", "text").execute();
  await db.schema.alterTable("runs").addColumn("simulation", "text").execute();

  await db.schema
    .createTable("run_versions")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("run_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("name", "varchar(200)", (c) => c.notNull())
    .addColumn("version", "varchar(200)", (c) => c.notNull())
    .addPrimaryKeyConstraint("run_versions_pk", ["tenant_id", "run_id", "kind", "name"])
    .execute();
  await db.schema
    .createIndex("run_versions_lookup")
    .on("run_versions")
    .columns(["tenant_id", "workspace_id", "kind", "version"])
    .execute();

  await db.schema
    .createTable("prompt_versions")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "varchar(128)", (c) => c.notNull())
    .addColumn("version", "varchar(80)", (c) => c.notNull())
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("created_by", "varchar(64)")
    .addPrimaryKeyConstraint("prompt_versions_pk", ["tenant_id", "workspace_id", "name", "version"])
    .execute();

  await db.schema
    .createTable("prompt_labels")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "varchar(128)", (c) => c.notNull())
    .addColumn("label", "varchar(64)", (c) => c.notNull())
    .addColumn("version", "varchar(80)", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addColumn("updated_by", "varchar(64)")
    .addPrimaryKeyConstraint("prompt_labels_pk", ["tenant_id", "workspace_id", "name", "label"])
    .execute();

  await db.schema
    .createTable("releases")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workflow", "varchar(128)", (c) => c.notNull())
    .addColumn("workflow_version", "varchar(80)", (c) => c.notNull())
    .addColumn("prompts", "text", (c) => c.notNull())
    .addColumn("model", "varchar(200)")
    .addColumn("description", "text")
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("created_by", "varchar(64)")
    .execute();
  await db.schema
    .createIndex("releases_ws")
    .on("releases")
    .columns(["tenant_id", "workspace_id", "workflow", "created_at"])
    .execute();

  await db.schema
    .createTable("release_eval_reports")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("release_id", "varchar(64)", (c) => c.notNull())
    .addColumn("suite", "varchar(200)", (c) => c.notNull())
    .addColumn("passed", "integer", (c) => c.notNull())
    .addColumn("report", "text", (c) => c.notNull())
    .addColumn("report_hash", "varchar(80)", (c) => c.notNull())
    .addColumn("uploaded_at", "varchar(32)", (c) => c.notNull())
    .addColumn("uploaded_by", "varchar(64)", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("release_eval_reports_release")
    .on("release_eval_reports")
    .columns(["tenant_id", "release_id", "uploaded_at"])
    .execute();

  await db.schema
    .createTable("release_activations")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workflow", "varchar(128)", (c) => c.notNull())
    .addColumn("release_id", "varchar(64)", (c) => c.notNull())
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("previous_activation_id", "varchar(64)")
    .addColumn("eval_report_id", "varchar(64)")
    .addColumn("override_reason", "text")
    .addColumn("activated_at", "varchar(32)", (c) => c.notNull())
    .addColumn("activated_by", "varchar(64)", (c) => c.notNull())
    .execute();

  // One row per (workspace, workflow): the activation in force. Moved by compare-and-set.
  await db.schema
    .createTable("active_releases")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workflow", "varchar(128)", (c) => c.notNull())
    .addColumn("activation_id", "varchar(64)", (c) => c.notNull())
    .addColumn("release_id", "varchar(64)", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("active_releases_pk", ["tenant_id", "workspace_id", "workflow"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    "active_releases",
    "release_activations",
    "release_eval_reports",
    "releases",
    "prompt_labels",
    "prompt_versions",
    "run_versions",
  ])
    await db.schema.dropTable(t).execute();
  await db.schema.alterTable("runs").dropColumn("simulation").execute();
  await db.schema.alterTable("runs").dropColumn("versions").execute();
}
