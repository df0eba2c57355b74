import type { Kysely } from "kysely";
import { protectTenantRows, unprotectTenantRows } from "../dialect/row-level-security.js";

/**
 * PostgreSQL row-level security (THREATS.md #18), a second wall behind the repositories' tenant
 * predicates: a connection reaches only the rows of the tenant its `tollgate.tenant` setting
 * names (dialect/postgres.ts sets it as a connection is handed out), or every tenant's for `*`,
 * which only the store's own cross-tenant work uses. FORCE makes it bind the tables' owner too; a
 * superuser or a role with BYPASSRLS passes it regardless (`Store.rowSecurity` says which).
 * Unset, the setting matches no row: a connection nobody set reaches nothing.
 * The embedded SQLite store has one process and no roles: nothing to do there. The statements
 * are PostgreSQL's own, so they live in the dialect folder (dialect/row-level-security.ts).
 */
const tenantTables = [
  "workspaces",
  "api_keys",
  "secrets",
  "workflows",
  "workflow_versions",
  "runs",
  "tool_calls",
  "approvals",
  "audit_events",
  "audit_heads",
  "approval_decisions",
  "notification_channels",
  "notification_outbox",
  "tool_pins",
  "model_providers",
  "model_settings",
  "workspace_spend",
  "model_calls",
  "alerts",
  "audit_sinks",
  "audit_signing_keys",
  "audit_checkpoints",
  "oauth_connections",
  "oauth_grants",
  "oauth_states",
  "run_versions",
  "prompt_versions",
  "prompt_labels",
  "releases",
  "release_eval_reports",
  "release_activations",
  "active_releases",
  "retention_settings",
  "legal_holds",
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await protectTenantRows(db, "tenants", "id");
  for (const table of tenantTables) await protectTenantRows(db, table, "tenant_id");
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["tenants", ...tenantTables]) await unprotectTenantRows(db, table);
}
