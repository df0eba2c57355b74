import { createHash, randomBytes } from "node:crypto";
import {
  type ActingAs,
  formatActingAs,
  isBlanketScope,
  parseActingAs,
  parseScopeString,
  readActingAs,
  scopesNeeded,
  TollgateError,
  widerScopes,
} from "@tollgate/core";
import type { OAuthConnectionRecord, OAuthEndpoints, OAuthGrantRecord, Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import type { WorkflowService } from "../workflows/service.js";
import type { ClientSettings, OAuthClient, TokenSet } from "./oauth-client.js";
import type { Principal } from "./principal.js";
import type { Vault } from "./vault.js";

export interface CreateConnectionInput {
  name: string;
  kind: "user" | "service";
  issuer?: string | undefined;
  endpoints?: Partial<OAuthEndpoints> | undefined;
  clientId: string;
  clientSecretRef?: string | undefined;
  /** defaults to what the workspace's workflows list for the systems using this connection */
  scopes?: string[] | undefined;
  redirectUri?: string | undefined;
  /** kind user: who is connecting */
  user?: string | undefined;
  /** kind service: the service account's id (default `service`) */
  serviceAccount?: string | undefined;
  /** an admin accepts the blanket scopes asked for, with a reason */
  acceptBlanketScopes?: { reason: string } | undefined;
}

/** Sealed as one value per grant; never returned by any endpoint. */
interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
}

/** Protocol scopes that grant no access to a system's data; always allowed. */
const protocolScopes = new Set(["openid", "offline_access"]);
const stateTtlMs = 10 * 60_000;
/** Tokens are refreshed this long before they expire. */
const refreshSkewMs = 60_000;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const grantRow = (g: { workspaceId: string; connection: string; subject: string }) =>
  `${g.workspaceId}/${g.connection}/${g.subject}`;

/**
 * OAuth connections: made through the API (code + PKCE for a user, client credentials for a service
 * account), tokens sealed with the tenant's key, refreshed before expiry (storing a rotated refresh
 * token), revoked at the provider (RFC 7009) and deleted. Tokens are read from the store on every
 * use, never cached in memory, so a revocation or disconnection takes effect for the next call.
 */
export class ConnectionService {
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly workflows: WorkflowService,
    private readonly client: OAuthClient,
    private readonly clock: Clock,
  ) {}

  async create(p: Principal, tenantId: string, workspaceId: string, input: CreateConnectionInput) {
    const scope = this.store.scope(tenantId);
    if (await scope.oauth.getConnection(workspaceId, input.name))
      throw new TollgateError("conflict", `connection ${input.name} already exists in workspace ${workspaceId}`);
    const subject = this.subjectOf(input);
    const scopes = await this.scopesFor(tenantId, workspaceId, input.name, input.scopes);
    const blanket = scopes.filter(isBlanketScope);
    if (blanket.length > 0 && !input.acceptBlanketScopes)
      throw new TollgateError(
        "scope_rejected",
        `blanket scopes ${blanket.join(", ")} are refused; an admin may accept them with acceptBlanketScopes: {reason}`,
        { scopes: blanket },
      );
    if (blanket.length > 0 && p.role !== "admin")
      throw new TollgateError("forbidden", "only a workspace admin may accept blanket scopes");
    if (input.kind === "user" && !input.redirectUri)
      throw new TollgateError(
        "invalid_request",
        "a user connection needs redirectUri (this server's /v1/oauth/callback)",
      );
    const clientSecret = await this.clientSecret(tenantId, workspaceId, input.clientSecretRef);
    const endpoints = await this.client.endpoints(input);
    const now = iso(this.clock);
    const record: OAuthConnectionRecord = {
      workspaceId,
      name: input.name,
      kind: input.kind,
      issuer: input.issuer ?? null,
      endpoints,
      clientId: input.clientId,
      clientSecretRef: input.clientSecretRef ?? null,
      redirectUri: input.redirectUri ?? null,
      scopes,
      blanketAccepted:
        blanket.length > 0 && input.acceptBlanketScopes
          ? { scopes: blanket, reason: input.acceptBlanketScopes.reason, by: p.keyId, at: now }
          : null,
      createdAt: now,
      createdBy: p.keyId,
      updatedAt: now,
    };
    // Service accounts get their tokens now, so a bad client or secret fails the creation.
    const tokens =
      input.kind === "service"
        ? await this.client.clientCredentials({ endpoints, clientId: input.clientId, clientSecret }, scopes)
        : undefined;
    await this.store.transaction(tenantId, async (s) => {
      await s.oauth.createConnection(record);
      await s.audit.append(
        [
          {
            type: "connection.created",
            workspace: workspaceId,
            actor: p.keyId,
            data: {
              connection: input.name,
              kind: input.kind,
              issuer: endpoints.issuer,
              clientId: input.clientId,
              scopes,
              ...(record.blanketAccepted ? { blanketAccepted: record.blanketAccepted } : {}),
            },
          },
        ],
        now,
      );
    });
    if (tokens) {
      await this.storeGrant(p.keyId, tenantId, record, subject, tokens);
      return { connection: await this.view(tenantId, workspaceId, input.name) };
    }
    const authorizationUrl = await this.startAuthorization(p, tenantId, record, subject, clientSecret);
    return { connection: await this.view(tenantId, workspaceId, input.name), authorizationUrl };
  }

  /** Another identity (or the same one again, after a revocation) connects: a URL for a user, new tokens for a service. */
  async authorize(
    p: Principal,
    tenantId: string,
    workspaceId: string,
    name: string,
    who: { user?: string; serviceAccount?: string },
  ) {
    const conn = await this.connection(tenantId, workspaceId, name);
    const subject = this.subjectOf({ kind: conn.kind, ...who });
    const clientSecret = await this.clientSecret(tenantId, workspaceId, conn.clientSecretRef ?? undefined);
    if (conn.kind === "service") {
      const tokens = await this.client.clientCredentials(this.settings(conn, clientSecret), conn.scopes);
      await this.storeGrant(p.keyId, tenantId, conn, subject, tokens);
      return { connection: await this.view(tenantId, workspaceId, name) };
    }
    return {
      connection: await this.view(tenantId, workspaceId, name),
      authorizationUrl: await this.startAuthorization(p, tenantId, conn, subject, clientSecret),
    };
  }

  /**
   * `GET /v1/oauth/callback`: the state must be one Tollgate issued, unused and unexpired; it is
   * consumed before the code is exchanged (single use) with the stored PKCE verifier.
   */
  async callback(callbackUrl: URL) {
    const state = callbackUrl.searchParams.get("state");
    if (!state) throw new TollgateError("invalid_request", "the callback has no state parameter");
    const pending = await this.store.findOAuthState(sha256(state));
    if (!pending)
      throw new TollgateError("invalid_request", "unknown or already used state: start the connection again");
    const scope = this.store.scope(pending.tenantId);
    if (!(await scope.oauth.takeState(pending.stateHash)))
      throw new TollgateError("invalid_request", "this state was already used: start the connection again");
    if (iso(this.clock) > pending.expiresAt)
      throw new TollgateError("invalid_request", "this authorization request expired: start the connection again");
    const conn = await this.connection(pending.tenantId, pending.workspaceId, pending.connection);
    const clientSecret = await this.clientSecret(
      pending.tenantId,
      pending.workspaceId,
      conn.clientSecretRef ?? undefined,
    );
    const codeVerifier = await this.vault.open(
      pending.tenantId,
      "oauth_states",
      pending.stateHash,
      pending.verifierSealed,
    );
    const tokens = await this.client.exchangeCode(this.settings(conn, clientSecret), {
      callback: callbackUrl,
      state,
      redirectUri: pending.redirectUri,
      codeVerifier,
      nonce: pending.nonce,
      openid: conn.scopes.includes("openid"),
    });
    const grant = await this.storeGrant(pending.createdBy, pending.tenantId, conn, pending.subject, tokens);
    return {
      workspace: pending.workspaceId,
      connection: conn.name,
      actingAs: readActingAs(pending.subject),
      status: "connected",
      scopesGranted: grant.scopesGranted,
      scopesWider: grant.scopesWider,
    };
  }

  async list(tenantId: string, workspaceId: string) {
    const conns = await this.store.scope(tenantId).oauth.listConnections(workspaceId);
    return { items: await Promise.all(conns.map((c) => this.view(tenantId, workspaceId, c.name))) };
  }

  /** Every token the workspace's grants hold, for redaction (never returned by any endpoint). */
  async tokenValues(tenantId: string, workspaceId: string): Promise<string[]> {
    const out: string[] = [];
    for (const g of await this.store.scope(tenantId).oauth.listGrants(workspaceId)) {
      if (!g.tokensSealed) continue;
      const t = JSON.parse(
        await this.vault.open(tenantId, "oauth_grants", grantRow(g), g.tokensSealed),
      ) as StoredTokens;
      out.push(t.accessToken, ...(t.refreshToken ? [t.refreshToken] : []));
    }
    return out;
  }

  async get(tenantId: string, workspaceId: string, name: string) {
    await this.connection(tenantId, workspaceId, name);
    return this.view(tenantId, workspaceId, name);
  }

  /** Revokes the tokens at the provider (RFC 7009), then deletes them; the deletion happens even if the provider fails. */
  async revoke(p: Principal, tenantId: string, workspaceId: string, name: string, actingAs?: string) {
    const conn = await this.connection(tenantId, workspaceId, name);
    const subject = actingAs === undefined ? undefined : formatActingAs(parseActingAsInput(actingAs));
    const provider = await this.revokeAtProvider(tenantId, conn, subject);
    const now = iso(this.clock);
    const revoked = await this.store.transaction(tenantId, async (s) => {
      const n = await s.oauth.revokeGrants(workspaceId, name, subject, now);
      await s.audit.append(
        [
          {
            type: "connection.revoked",
            workspace: workspaceId,
            actor: p.keyId,
            data: { connection: name, ...(subject ? { subject } : {}), grants: n, provider },
          },
        ],
        now,
      );
      return n;
    });
    return { connection: name, revoked, provider };
  }

  /** Removes the connection, its grants and pending authorizations (revoking at the provider first, best effort). */
  async disconnect(p: Principal, tenantId: string, workspaceId: string, name: string) {
    const conn = await this.connection(tenantId, workspaceId, name);
    const provider = await this.revokeAtProvider(tenantId, conn, undefined);
    const now = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      await s.oauth.deleteConnection(workspaceId, name);
      await s.audit.append(
        [{ type: "connection.deleted", workspace: workspaceId, actor: p.keyId, data: { connection: name, provider } }],
        now,
      );
    });
  }

  /**
   * The credentials stage: the access token of the connection for the run's identity, read from the
   * store on every call (no cache survives a revocation) and refreshed when it is about to expire.
   */
  async accessToken(q: { tenantId: string; workspaceId: string; connection: string; actingAs: string | null }) {
    const subject = formatActingAs(parseActingAs(q.actingAs ?? "service"));
    const grant = await this.store.scope(q.tenantId).oauth.getGrant(q.workspaceId, q.connection, subject);
    if (!grant?.tokensSealed) throw await this.unavailable(q, subject, grant);
    const tokens = await this.openTokens(q.tenantId, grant);
    if (!grant.expiresAt || this.clock.now().getTime() + refreshSkewMs < Date.parse(grant.expiresAt))
      return tokens.accessToken;
    const key = `${q.tenantId}/${grantRow(grant)}/${grant.generation}`;
    let pending = this.refreshing.get(key);
    if (!pending) {
      pending = this.refresh(q.tenantId, grant, tokens).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, pending);
    }
    return pending;
  }

  private async refresh(tenantId: string, grant: OAuthGrantRecord, old: StoredTokens): Promise<string> {
    const conn = await this.connection(tenantId, grant.workspaceId, grant.connection);
    const settings = this.settings(
      conn,
      await this.clientSecret(tenantId, grant.workspaceId, conn.clientSecretRef ?? undefined),
    );
    let fresh: TokenSet;
    if (old.refreshToken)
      fresh = await this.client.refresh(settings, old.refreshToken).catch(this.refreshFailed(grant));
    else if (conn.kind === "service") fresh = await this.client.clientCredentials(settings, conn.scopes);
    else
      throw new TollgateError(
        "credentials_unavailable",
        `the token of connection ${grant.connection} for ${grant.subject} expired and the provider gave no refresh token; connect again`,
      );
    // Refresh-token rotation: keep the new refresh token when the provider sends one.
    const stored: StoredTokens = {
      accessToken: fresh.accessToken,
      ...((fresh.refreshToken ?? old.refreshToken) ? { refreshToken: fresh.refreshToken ?? old.refreshToken } : {}),
    };
    const granted = fresh.scope === undefined ? grant.scopesGranted : parseScopeString(fresh.scope);
    const now = iso(this.clock);
    const ok = await this.store.transaction(tenantId, async (s) => {
      const updated = await s.oauth.refreshGrant(
        grant,
        grant.generation,
        {
          tokensSealed: await this.vault.seal(tenantId, "oauth_grants", grantRow(grant), JSON.stringify(stored)),
          expiresAt: this.expiresAt(fresh),
          scopesGranted: granted,
          scopesWider: widerScopes(conn.scopes, granted),
        },
        now,
      );
      if (updated)
        await s.audit.append(
          [
            {
              type: "connection.refreshed",
              workspace: grant.workspaceId,
              data: {
                connection: grant.connection,
                subject: grant.subject,
                refreshTokenRotated: fresh.refreshToken !== undefined && fresh.refreshToken !== old.refreshToken,
              },
            },
          ],
          now,
        );
      return updated;
    });
    if (ok) return fresh.accessToken;
    // Someone changed the grant meanwhile (a revocation, or another replica's refresh): read it again.
    const current = await this.store.scope(tenantId).oauth.getGrant(grant.workspaceId, grant.connection, grant.subject);
    if (!current?.tokensSealed)
      throw await this.unavailable(
        { tenantId, workspaceId: grant.workspaceId, connection: grant.connection },
        grant.subject,
        current,
      );
    return (await this.openTokens(tenantId, current)).accessToken;
  }

  private refreshFailed(grant: OAuthGrantRecord) {
    return (e: unknown): never => {
      throw new TollgateError(
        "credentials_unavailable",
        `refreshing the token of connection ${grant.connection} for ${grant.subject} failed (${(e as Error).message}); connect again`,
      );
    };
  }

  private async unavailable(
    q: { tenantId: string; workspaceId: string; connection: string },
    subject: string,
    grant: OAuthGrantRecord | undefined,
  ): Promise<TollgateError> {
    if (grant?.status === "revoked")
      return new TollgateError(
        "credentials_unavailable",
        `connection ${q.connection} was revoked for ${subject} at ${grant.revokedAt}; connect it again to use it`,
      );
    const conn = await this.store.scope(q.tenantId).oauth.getConnection(q.workspaceId, q.connection);
    return new TollgateError(
      "credentials_unavailable",
      conn
        ? `connection ${q.connection} has no tokens for ${subject}: connect it (tollgate connectors connect)`
        : `no connection ${q.connection} in workspace ${q.workspaceId}: create it (tollgate connectors connect)`,
    );
  }

  private async startAuthorization(
    p: Principal,
    tenantId: string,
    conn: OAuthConnectionRecord,
    subject: string,
    clientSecret: string | undefined,
  ): Promise<string> {
    if (!conn.redirectUri) throw new TollgateError("invalid_request", `connection ${conn.name} has no redirectUri`);
    const state = randomBytes(32).toString("base64url");
    const nonce = randomBytes(16).toString("base64url");
    const codeVerifier = randomBytes(32).toString("base64url");
    const stateHash = sha256(state);
    const now = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      await s.oauth.createState({
        stateHash,
        workspaceId: conn.workspaceId,
        connection: conn.name,
        subject,
        verifierSealed: await this.vault.seal(tenantId, "oauth_states", stateHash, codeVerifier),
        nonce,
        redirectUri: conn.redirectUri as string,
        expiresAt: iso(this.clock, stateTtlMs),
        createdAt: now,
        createdBy: p.keyId,
      });
      await s.audit.append(
        [
          {
            type: "connection.authorization_started",
            workspace: conn.workspaceId,
            actor: p.keyId,
            data: { connection: conn.name, subject, scopes: conn.scopes },
          },
        ],
        now,
      );
    });
    return this.client.authorizationUrl(this.settings(conn, clientSecret), {
      redirectUri: conn.redirectUri,
      scopes: conn.scopes,
      state,
      nonce,
      codeVerifier,
    });
  }

  private async storeGrant(
    actor: string | null,
    tenantId: string,
    conn: OAuthConnectionRecord,
    subject: string,
    tokens: TokenSet,
  ): Promise<{ scopesGranted: string[]; scopesWider: string[] }> {
    // RFC 6749 §5.1: no scope in the answer means the scopes asked for were granted.
    const scopesGranted = tokens.scope === undefined ? conn.scopes : parseScopeString(tokens.scope);
    const scopesWider = widerScopes(conn.scopes, scopesGranted);
    const stored: StoredTokens = {
      accessToken: tokens.accessToken,
      ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    };
    const key = { workspaceId: conn.workspaceId, connection: conn.name, subject };
    const now = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      await s.oauth.putGrant(
        {
          ...key,
          tokensSealed: await this.vault.seal(tenantId, "oauth_grants", grantRow(key), JSON.stringify(stored)),
          expiresAt: this.expiresAt(tokens),
          scopesGranted,
          scopesWider,
        },
        now,
      );
      await s.audit.append(
        [
          {
            type: "connection.connected",
            workspace: conn.workspaceId,
            actor,
            data: { connection: conn.name, subject, scopesGranted, ...(scopesWider.length ? { scopesWider } : {}) },
          },
        ],
        now,
      );
    });
    return { scopesGranted, scopesWider };
  }

  private async revokeAtProvider(tenantId: string, conn: OAuthConnectionRecord, subject: string | undefined) {
    const grants = (await this.store.scope(tenantId).oauth.listGrants(conn.workspaceId, conn.name)).filter(
      (g) => g.tokensSealed && (subject === undefined || g.subject === subject),
    );
    if (grants.length === 0) return [];
    const secret = await this.clientSecret(tenantId, conn.workspaceId, conn.clientSecretRef ?? undefined).catch(
      () => undefined,
    );
    const settings = this.settings(conn, secret);
    const outcomes: { subject: string; revoked: boolean; error?: string }[] = [];
    for (const g of grants) {
      const tokens = await this.openTokens(tenantId, g);
      try {
        // Revoking the refresh token ends the whole grant at the provider; the access token too.
        if (tokens.refreshToken) await this.client.revoke(settings, tokens.refreshToken, "refresh_token");
        await this.client.revoke(settings, tokens.accessToken, "access_token");
        outcomes.push({ subject: g.subject, revoked: true });
      } catch (e) {
        outcomes.push({ subject: g.subject, revoked: false, error: (e as Error).message });
      }
    }
    return outcomes;
  }

  private async view(tenantId: string, workspaceId: string, name: string) {
    const s = this.store.scope(tenantId);
    const c = (await s.oauth.getConnection(workspaceId, name)) as OAuthConnectionRecord;
    const grants = await s.oauth.listGrants(workspaceId, name);
    const { systems } = await this.needs(tenantId, workspaceId, name);
    return {
      name: c.name,
      kind: c.kind,
      issuer: c.endpoints.issuer,
      clientId: c.clientId,
      clientSecretRef: c.clientSecretRef,
      redirectUri: c.redirectUri,
      revocation: c.endpoints.revocation !== undefined,
      scopes: c.scopes,
      systems,
      blanketAccepted: c.blanketAccepted,
      createdAt: c.createdAt,
      grants: grants.map((g) => ({
        actingAs: readActingAs(g.subject),
        status: g.status,
        scopesGranted: g.scopesGranted,
        scopesWider: g.scopesWider,
        flagged: g.scopesWider.length > 0,
        expiresAt: g.expiresAt,
        connectedAt: g.connectedAt,
        refreshedAt: g.refreshedAt,
        revokedAt: g.revokedAt,
      })),
    };
  }

  private async connection(tenantId: string, workspaceId: string, name: string): Promise<OAuthConnectionRecord> {
    const c = await this.store.scope(tenantId).oauth.getConnection(workspaceId, name);
    if (!c) throw new TollgateError("not_found", `no connection ${name} in workspace ${workspaceId}`);
    return c;
  }

  private async needs(tenantId: string, workspaceId: string, name: string) {
    const manifests = [];
    for (const w of await this.store.scope(tenantId).workflows.list(workspaceId))
      manifests.push((await this.workflows.compiledVersion(tenantId, workspaceId, w.name, w.version)).manifest);
    return scopesNeeded(manifests, name);
  }

  /** The scopes asked for: the workflows' needs, and nothing they do not list. */
  private async scopesFor(tenantId: string, workspaceId: string, name: string, asked: string[] | undefined) {
    const needed = await this.needs(tenantId, workspaceId, name);
    if (asked === undefined) {
      if (needed.systems.length === 0)
        throw new TollgateError(
          "invalid_request",
          `no workflow in workspace ${workspaceId} uses connection ${name}; give scopes explicitly`,
        );
      return needed.scopes;
    }
    if (needed.systems.length > 0) {
      const extra = asked.filter((s) => !needed.scopes.includes(s) && !protocolScopes.has(s));
      if (extra.length > 0)
        throw new TollgateError(
          "scope_rejected",
          `scopes ${extra.join(", ")} are more than the workflows need (systems ${needed.systems.join(", ")} list ${needed.scopes.join(", ") || "no scopes"})`,
          { scopes: extra },
        );
    }
    return [...new Set(asked)].sort();
  }

  private subjectOf(input: {
    kind: "user" | "service";
    user?: string | undefined;
    serviceAccount?: string | undefined;
  }) {
    if (input.kind === "user") {
      if (!input.user)
        throw new TollgateError("invalid_request", "a user connection needs user: the id of who connects");
      return formatActingAs(parseActingAsInput({ kind: "user", id: input.user }));
    }
    return formatActingAs(parseActingAsInput({ kind: "service", id: input.serviceAccount }));
  }

  private async clientSecret(tenantId: string, workspaceId: string, ref: string | undefined) {
    if (ref === undefined) return undefined;
    const secret = await this.vault.getSecret(tenantId, workspaceId, ref);
    if (secret === undefined)
      throw new TollgateError(
        "invalid_request",
        `secret ${ref} (clientSecretRef) is not set in workspace ${workspaceId}`,
      );
    return secret;
  }

  private settings(conn: OAuthConnectionRecord, clientSecret: string | undefined): ClientSettings {
    return { endpoints: conn.endpoints, clientId: conn.clientId, clientSecret };
  }

  private async openTokens(tenantId: string, g: OAuthGrantRecord): Promise<StoredTokens> {
    return JSON.parse(await this.vault.open(tenantId, "oauth_grants", grantRow(g), g.tokensSealed as string));
  }

  private expiresAt(t: TokenSet): string | null {
    return t.expiresIn === undefined ? null : iso(this.clock, t.expiresIn * 1000);
  }
}

/** actingAs from a request: a clear 400 naming what is wrong. */
export function parseActingAsInput(input: unknown): ActingAs {
  try {
    return parseActingAs(input);
  } catch (e) {
    throw new TollgateError("invalid_request", (e as Error).message);
  }
}
