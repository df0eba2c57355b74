import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { Database, OAuthConnectionsTable, OAuthGrantsTable, OAuthStatesTable } from "../schema.js";

/** The provider's endpoints, found by discovery or given directly. */
export interface OAuthEndpoints {
  issuer: string;
  authorization?: string;
  token: string;
  revocation?: string;
}

export interface BlanketAcceptance {
  scopes: string[];
  reason: string;
  by: string;
  at: string;
}

/** An OAuth connection of a workspace: where its provider is and what it may ask for. */
export interface OAuthConnectionRecord {
  workspaceId: string;
  name: string;
  kind: "user" | "service";
  issuer: string | null;
  endpoints: OAuthEndpoints;
  clientId: string;
  clientSecretRef: string | null;
  redirectUri: string | null;
  scopes: string[];
  blanketAccepted: BlanketAcceptance | null;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
}

export type OAuthGrantStatus = "connected" | "revoked";

/** The tokens one identity holds on a connection. `tokensSealed` is ciphertext only. */
export interface OAuthGrantRecord {
  workspaceId: string;
  connection: string;
  subject: string;
  status: OAuthGrantStatus;
  tokensSealed: string | null;
  expiresAt: string | null;
  scopesGranted: string[];
  scopesWider: string[];
  generation: number;
  connectedAt: string | null;
  refreshedAt: string | null;
  revokedAt: string | null;
  updatedAt: string;
}

/** A pending authorization request, found by the hash of its `state`. */
export interface OAuthStateRecord {
  stateHash: string;
  tenantId: string;
  workspaceId: string;
  connection: string;
  subject: string;
  verifierSealed: string;
  nonce: string;
  redirectUri: string;
  expiresAt: string;
  createdAt: string;
  createdBy: string | null;
}

const toConnection = (r: OAuthConnectionsTable): OAuthConnectionRecord => ({
  workspaceId: r.workspace_id,
  name: r.name,
  kind: r.kind as "user" | "service",
  issuer: r.issuer,
  endpoints: fromJson(r.endpoints, { issuer: "", token: "" }),
  clientId: r.client_id,
  clientSecretRef: r.client_secret_ref,
  redirectUri: r.redirect_uri,
  scopes: fromJson(r.scopes, []),
  blanketAccepted: fromJson(r.blanket_accepted, null),
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
});

const toGrant = (r: OAuthGrantsTable): OAuthGrantRecord => ({
  workspaceId: r.workspace_id,
  connection: r.connection,
  subject: r.subject,
  status: r.status as OAuthGrantStatus,
  tokensSealed: r.tokens_sealed,
  expiresAt: r.expires_at,
  scopesGranted: fromJson(r.scopes_granted, []),
  scopesWider: fromJson(r.scopes_wider, []),
  generation: Number(r.generation),
  connectedAt: r.connected_at,
  refreshedAt: r.refreshed_at,
  revokedAt: r.revoked_at,
  updatedAt: r.updated_at,
});

export const toOAuthState = (r: OAuthStatesTable): OAuthStateRecord => ({
  stateHash: r.state_hash,
  tenantId: r.tenant_id,
  workspaceId: r.workspace_id,
  connection: r.connection,
  subject: r.subject,
  verifierSealed: r.verifier_sealed,
  nonce: r.nonce,
  redirectUri: r.redirect_uri,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

/** Connections, grants and pending authorizations of one tenant. */
export class OAuthRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async createConnection(c: OAuthConnectionRecord): Promise<void> {
    await this.db
      .insertInto("oauth_connections")
      .values({
        tenant_id: this.tenantId,
        workspace_id: c.workspaceId,
        name: c.name,
        kind: c.kind,
        issuer: c.issuer,
        endpoints: toJson(c.endpoints),
        client_id: c.clientId,
        client_secret_ref: c.clientSecretRef,
        redirect_uri: c.redirectUri,
        scopes: toJson(c.scopes),
        blanket_accepted: c.blanketAccepted ? toJson(c.blanketAccepted) : null,
        created_at: c.createdAt,
        created_by: c.createdBy,
        updated_at: c.updatedAt,
      })
      .execute();
  }

  async getConnection(workspaceId: string, name: string): Promise<OAuthConnectionRecord | undefined> {
    const r = await this.db
      .selectFrom("oauth_connections")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .executeTakeFirst();
    return r && toConnection(r);
  }

  async listConnections(workspaceId: string): Promise<OAuthConnectionRecord[]> {
    const rows = await this.db
      .selectFrom("oauth_connections")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .orderBy("name")
      .execute();
    return rows.map(toConnection);
  }

  /** Removes the connection with its grants and pending authorizations. */
  async deleteConnection(workspaceId: string, name: string): Promise<boolean> {
    for (const table of ["oauth_grants", "oauth_states"] as const) {
      await this.db
        .deleteFrom(table)
        .where("tenant_id", "=", this.tenantId)
        .where("workspace_id", "=", workspaceId)
        .where("connection", "=", name)
        .execute();
    }
    const r = await this.db
      .deleteFrom("oauth_connections")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("name", "=", name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async getGrant(workspaceId: string, connection: string, subject: string): Promise<OAuthGrantRecord | undefined> {
    const r = await this.db
      .selectFrom("oauth_grants")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("connection", "=", connection)
      .where("subject", "=", subject)
      .executeTakeFirst();
    return r && toGrant(r);
  }

  async listGrants(workspaceId: string, connection?: string): Promise<OAuthGrantRecord[]> {
    let q = this.db
      .selectFrom("oauth_grants")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId);
    if (connection !== undefined) q = q.where("connection", "=", connection);
    return (await q.orderBy("connection").orderBy("subject").execute()).map(toGrant);
  }

  /** Stores fresh tokens for an identity (a new grant, or a reconnection after revocation). */
  async putGrant(
    g: Pick<
      OAuthGrantRecord,
      "workspaceId" | "connection" | "subject" | "tokensSealed" | "expiresAt" | "scopesGranted" | "scopesWider"
    >,
    now: string,
  ): Promise<void> {
    const values = {
      status: "connected",
      tokens_sealed: g.tokensSealed,
      expires_at: g.expiresAt,
      scopes_granted: toJson(g.scopesGranted),
      scopes_wider: toJson(g.scopesWider),
      connected_at: now,
      refreshed_at: null,
      revoked_at: null,
      updated_at: now,
    };
    await this.db
      .insertInto("oauth_grants")
      .values({
        tenant_id: this.tenantId,
        workspace_id: g.workspaceId,
        connection: g.connection,
        subject: g.subject,
        generation: 1,
        ...values,
      })
      .onConflict((oc) =>
        oc
          .columns(["tenant_id", "workspace_id", "connection", "subject"])
          .doUpdateSet((eb) => ({ ...values, generation: eb("oauth_grants.generation", "+", 1) })),
      )
      .execute();
  }

  /**
   * Replaces the tokens after a refresh, only if nothing changed the grant since it was read
   * (compare-and-set on the generation): a revocation in between wins and the new tokens are dropped.
   */
  async refreshGrant(
    key: { workspaceId: string; connection: string; subject: string },
    generation: number,
    tokens: { tokensSealed: string; expiresAt: string | null; scopesGranted: string[]; scopesWider: string[] },
    now: string,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable("oauth_grants")
      .set({
        tokens_sealed: tokens.tokensSealed,
        expires_at: tokens.expiresAt,
        scopes_granted: toJson(tokens.scopesGranted),
        scopes_wider: toJson(tokens.scopesWider),
        refreshed_at: now,
        updated_at: now,
        generation: generation + 1,
      })
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", key.workspaceId)
      .where("connection", "=", key.connection)
      .where("subject", "=", key.subject)
      .where("generation", "=", generation)
      .where("status", "=", "connected")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Deletes the tokens of the connection's grants (one identity, or all of them). */
  async revokeGrants(workspaceId: string, connection: string, subject: string | undefined, now: string) {
    let q = this.db
      .updateTable("oauth_grants")
      .set((eb) => ({
        status: "revoked",
        tokens_sealed: null,
        expires_at: null,
        revoked_at: now,
        updated_at: now,
        generation: eb("generation", "+", 1),
      }))
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("connection", "=", connection)
      .where("status", "=", "connected");
    if (subject !== undefined) q = q.where("subject", "=", subject);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async createState(s: Omit<OAuthStateRecord, "tenantId">): Promise<void> {
    await this.db
      .insertInto("oauth_states")
      .values({
        state_hash: s.stateHash,
        tenant_id: this.tenantId,
        workspace_id: s.workspaceId,
        connection: s.connection,
        subject: s.subject,
        verifier_sealed: s.verifierSealed,
        nonce: s.nonce,
        redirect_uri: s.redirectUri,
        expires_at: s.expiresAt,
        created_at: s.createdAt,
        created_by: s.createdBy,
      })
      .execute();
  }

  /** Single use: the state is deleted as it is taken; false when someone else took it first. */
  async takeState(stateHash: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom("oauth_states")
      .where("tenant_id", "=", this.tenantId)
      .where("state_hash", "=", stateHash)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
