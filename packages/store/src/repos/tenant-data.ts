import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import type { HeldHead } from "./audit.js";

/**
 * Every table holding a tenant's rows, children before parents (the order deletion runs in).
 * A new table with `tenant_id` must be added here, or tenant export and deletion miss it; the
 * store contract test checks this list against the migrated schema.
 */
export const tenantTables = [
  "approval_decisions",
  "notification_outbox",
  "approvals",
  "tool_calls",
  "model_calls",
  "run_versions",
  "alerts",
  "legal_holds",
  "runs",
  "tool_pins",
  "workflow_versions",
  "workflows",
  "prompt_labels",
  "prompt_versions",
  "release_eval_reports",
  "release_activations",
  "active_releases",
  "releases",
  "notification_channels",
  "audit_sinks",
  "audit_checkpoints",
  "audit_signing_keys",
  "audit_events",
  "audit_heads",
  "oauth_states",
  "oauth_grants",
  "oauth_connections",
  "model_providers",
  "model_settings",
  "workspace_spend",
  "retention_settings",
  "secrets",
  "api_keys",
  "workspaces",
] as const satisfies readonly (keyof Database)[];

export type TenantTable = (typeof tenantTables)[number];

/**
 * Columns left out of an export: the tenant's wrapped data key (with the master key it would open
 * every sealed value) and API key hashes. Sealed columns (secrets, OAuth tokens, approval
 * arguments, the audit signing key) are exported as the ciphertext they are.
 */
const omitted: Record<string, readonly string[]> = { api_keys: ["secret_hash"] };

/** Tenant export and deletion (operator only; issue 10). */
export class TenantDataRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
    /** a PostgreSQL commit group's hold on the audit head: let go with the head row */
    private readonly heldHead?: HeldHead,
  ) {}

  /** Every row the tenant owns, table by table (the tenant row without its wrapped key first). */
  async *rows(): AsyncGenerator<{ table: string; row: Record<string, unknown> }> {
    const tenant = await this.db
      .selectFrom("tenants")
      .select(["id", "name", "created_at"])
      .where("id", "=", this.tenantId)
      .executeTakeFirst();
    if (!tenant) return;
    yield { table: "tenants", row: tenant };
    for (const table of tenantTables) {
      // one select per table: exports are rare, operator-run, and bounded by one tenant's data
      const rows = (await this.db
        .selectFrom(table)
        .selectAll()
        .where("tenant_id", "=", this.tenantId)
        .execute()) as Record<string, unknown>[];
      const drop = omitted[table] ?? [];
      for (const row of rows) {
        for (const c of drop) delete row[c];
        yield { table, row };
      }
    }
  }

  /**
   * Deletes every row of the tenant and, last, the tenant row with its wrapped data key: without
   * that key no sealed value of the tenant opens again, wherever a copy of it was kept.
   */
  async deleteAll(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of tenantTables) {
      const r = await this.db.deleteFrom(table).where("tenant_id", "=", this.tenantId).executeTakeFirst();
      counts[table] = Number(r.numDeletedRows);
    }
    const t = await this.db.deleteFrom("tenants").where("id", "=", this.tenantId).executeTakeFirst();
    counts.tenants = Number(t.numDeletedRows);
    if (this.heldHead) {
      this.heldHead.held = undefined;
      this.heldHead.stale = false;
    }
    return counts;
  }
}
