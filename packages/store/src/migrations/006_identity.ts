import type { Kysely } from "kysely";

/**
 * Identity (issue 6): OAuth connections per workspace (provider and client settings, the scopes
 * asked for), their grants per identity (`service`, `service:<id>` or `user:<id>`; tokens sealed
 * with the tenant's key, a generation bumped on every change so no stale copy is used), pending
 * authorization requests (state hash, PKCE verifier sealed, nonce; single use, expiring), the
 * identity each tool call used, and API key rotation (the old key's grace end).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("oauth_connections")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("name", "varchar(128)", (c) => c.notNull())
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("issuer", "text")
    .addColumn("endpoints", "text", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("client_secret_ref", "varchar(128)")
    .addColumn("redirect_uri", "text")
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("blanket_accepted", "text")
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("created_by", "varchar(64)")
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("oauth_connections_pk", ["tenant_id", "workspace_id", "name"])
    .execute();

  await db.schema
    .createTable("oauth_grants")
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("connection", "varchar(128)", (c) => c.notNull())
    .addColumn("subject", "varchar(210)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("tokens_sealed", "text")
    .addColumn("expires_at", "varchar(32)")
    .addColumn("scopes_granted", "text", (c) => c.notNull())
    .addColumn("scopes_wider", "text", (c) => c.notNull())
    .addColumn("generation", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("connected_at", "varchar(32)")
    .addColumn("refreshed_at", "varchar(32)")
    .addColumn("revoked_at", "varchar(32)")
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("oauth_grants_pk", ["tenant_id", "workspace_id", "connection", "subject"])
    .execute();

  await db.schema
    .createTable("oauth_states")
    .addColumn("state_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tenant_id", "varchar(64)", (c) => c.notNull())
    .addColumn("workspace_id", "varchar(64)", (c) => c.notNull())
    .addColumn("connection", "varchar(128)", (c) => c.notNull())
    .addColumn("subject", "varchar(210)", (c) => c.notNull())
    .addColumn("verifier_sealed", "text", (c) => c.notNull())
    .addColumn("nonce", "varchar(128)", (c) => c.notNull())
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("expires_at", "varchar(32)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("created_by", "varchar(64)")
    .execute();
  await db.schema
    .createIndex("oauth_states_tenant")
    .on("oauth_states")
    .columns(["tenant_id", "workspace_id"])
    .execute();

  await db.schema.alterTable("tool_calls").addColumn("acting_as", "text").execute();
  await db.schema.alterTable("api_keys").addColumn("expires_at", "varchar(32)").execute();
  await db.schema.alterTable("api_keys").addColumn("replaced_by", "varchar(64)").execute();
}
