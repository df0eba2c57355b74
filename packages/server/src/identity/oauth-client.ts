import { TollgateError } from "@tollgate/core";
import type { OAuthEndpoints } from "@tollgate/store";
import * as oauth from "oauth4webapi";
import { isLoopbackHost, type Outbound } from "./outbound.js";

/** What a token endpoint answered, as Tollgate keeps it (sealed). */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** seconds from issue, when the provider said */
  expiresIn?: number;
  scope?: string;
}

export interface ClientSettings {
  endpoints: OAuthEndpoints;
  clientId: string;
  clientSecret: string | undefined;
}

/**
 * The OAuth client (oauth4webapi): discovery, the authorization URL with PKCE S256, the code
 * exchange, client credentials, refresh and RFC 7009 revocation. Every request goes through the
 * outbound address check; plain http is accepted only for loopback (tests and the demo).
 */
export class OAuthClient {
  constructor(private readonly outbound: Outbound) {}

  /** Discovery (RFC 8414, then OpenID Connect) or the endpoints given directly. */
  async endpoints(input: { issuer?: string; endpoints?: Partial<OAuthEndpoints> }): Promise<OAuthEndpoints> {
    if (input.endpoints?.token) {
      const e = input.endpoints;
      const token = this.outbound.checkUrl(e.token as string, "token endpoint").href;
      return {
        issuer: e.issuer ?? input.issuer ?? new URL(token).origin,
        token,
        ...(e.authorization
          ? { authorization: this.outbound.checkUrl(e.authorization, "authorization endpoint").href }
          : {}),
        ...(e.revocation ? { revocation: this.outbound.checkUrl(e.revocation, "revocation endpoint").href } : {}),
      };
    }
    if (!input.issuer) throw new TollgateError("invalid_request", "give issuer (for discovery) or endpoints.token");
    const issuer = this.outbound.checkUrl(input.issuer, "issuer");
    let as: oauth.AuthorizationServer | undefined;
    let lastError: unknown;
    for (const algorithm of ["oauth2", "oidc"] as const) {
      try {
        const res = await oauth.discoveryRequest(issuer, { algorithm, ...this.options(issuer.href) });
        as = await oauth.processDiscoveryResponse(issuer, res);
        break;
      } catch (e) {
        if (e instanceof TollgateError) throw e;
        lastError = e;
      }
    }
    if (!as?.token_endpoint)
      throw new TollgateError("oauth_failed", `discovery at ${issuer.href} failed: ${messageOf(lastError)}`);
    return {
      issuer: as.issuer,
      token: this.outbound.checkUrl(as.token_endpoint, "token endpoint").href,
      ...(as.authorization_endpoint
        ? { authorization: this.outbound.checkUrl(as.authorization_endpoint, "authorization endpoint").href }
        : {}),
      ...(as.revocation_endpoint
        ? { revocation: this.outbound.checkUrl(as.revocation_endpoint, "revocation endpoint").href }
        : {}),
    };
  }

  async authorizationUrl(
    c: ClientSettings,
    p: { redirectUri: string; scopes: string[]; state: string; nonce: string; codeVerifier: string },
  ): Promise<string> {
    if (!c.endpoints.authorization)
      throw new TollgateError("invalid_request", "the provider has no authorization endpoint; use kind service");
    const url = new URL(c.endpoints.authorization);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", c.clientId);
    url.searchParams.set("redirect_uri", p.redirectUri);
    url.searchParams.set("scope", p.scopes.join(" "));
    url.searchParams.set("state", p.state);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(p.codeVerifier));
    url.searchParams.set("code_challenge_method", "S256");
    if (p.scopes.includes("openid")) url.searchParams.set("nonce", p.nonce);
    return url.href;
  }

  /** Completes the code flow: the callback's parameters are checked against the expected state. */
  async exchangeCode(
    c: ClientSettings,
    p: { callback: URL; state: string; redirectUri: string; codeVerifier: string; nonce: string; openid: boolean },
  ): Promise<TokenSet> {
    const as = this.server(c.endpoints);
    return this.tokenCall("the code exchange", async () => {
      const params = oauth.validateAuthResponse(as, { client_id: c.clientId }, p.callback, p.state);
      const res = await oauth.authorizationCodeGrantRequest(
        as,
        { client_id: c.clientId },
        this.auth(c),
        params,
        p.redirectUri,
        p.codeVerifier,
        this.options(c.endpoints.token),
      );
      return oauth.processAuthorizationCodeResponse(as, { client_id: c.clientId }, res, {
        ...(p.openid ? { expectedNonce: p.nonce } : {}),
      });
    });
  }

  async clientCredentials(c: ClientSettings, scopes: string[]): Promise<TokenSet> {
    const as = this.server(c.endpoints);
    return this.tokenCall("the client credentials grant", async () => {
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        { client_id: c.clientId },
        this.auth(c),
        scopes.length ? { scope: scopes.join(" ") } : {},
        this.options(c.endpoints.token),
      );
      return oauth.processClientCredentialsResponse(as, { client_id: c.clientId }, res);
    });
  }

  async refresh(c: ClientSettings, refreshToken: string): Promise<TokenSet> {
    const as = this.server(c.endpoints);
    return this.tokenCall("the token refresh", async () => {
      const res = await oauth.refreshTokenGrantRequest(
        as,
        { client_id: c.clientId },
        this.auth(c),
        refreshToken,
        this.options(c.endpoints.token),
      );
      return oauth.processRefreshTokenResponse(as, { client_id: c.clientId }, res);
    });
  }

  /** RFC 7009. Throws when the provider has no revocation endpoint or refuses. */
  async revoke(c: ClientSettings, token: string, hint: "refresh_token" | "access_token"): Promise<void> {
    if (!c.endpoints.revocation) throw new TollgateError("oauth_failed", "the provider has no revocation endpoint");
    const as = this.server(c.endpoints);
    try {
      const res = await oauth.revocationRequest(as, { client_id: c.clientId }, this.auth(c), token, {
        ...this.options(c.endpoints.revocation),
        additionalParameters: { token_type_hint: hint },
      });
      await oauth.processRevocationResponse(res);
    } catch (e) {
      if (e instanceof TollgateError) throw e;
      throw new TollgateError("oauth_failed", `the provider refused the revocation: ${messageOf(e)}`);
    }
  }

  private server(e: OAuthEndpoints): oauth.AuthorizationServer {
    return {
      issuer: e.issuer,
      token_endpoint: e.token,
      ...(e.authorization ? { authorization_endpoint: e.authorization } : {}),
      ...(e.revocation ? { revocation_endpoint: e.revocation } : {}),
    };
  }

  private auth(c: ClientSettings): oauth.ClientAuth {
    return c.clientSecret === undefined ? oauth.None() : oauth.ClientSecretBasic(c.clientSecret);
  }

  private options(url: string) {
    return {
      [oauth.customFetch]: this.outbound.fetch,
      [oauth.allowInsecureRequests]: isLoopbackHost(new URL(url).hostname),
      signal: AbortSignal.timeout(15_000),
    };
  }

  private async tokenCall(what: string, fn: () => Promise<oauth.TokenEndpointResponse>): Promise<TokenSet> {
    let r: oauth.TokenEndpointResponse;
    try {
      r = await fn();
    } catch (e) {
      if (e instanceof TollgateError) throw e;
      throw new TollgateError("oauth_failed", `${what} failed: ${messageOf(e)}`);
    }
    return {
      accessToken: r.access_token,
      ...(r.refresh_token ? { refreshToken: r.refresh_token } : {}),
      ...(typeof r.expires_in === "number" ? { expiresIn: r.expires_in } : {}),
      ...(typeof r.scope === "string" ? { scope: r.scope } : {}),
    };
  }
}

/** An error's message without any token: oauth4webapi errors carry the provider's error fields only. */
function messageOf(e: unknown): string {
  if (e instanceof oauth.ResponseBodyError) return `${e.error}${e.error_description ? `: ${e.error_description}` : ""}`;
  if (e instanceof oauth.AuthorizationResponseError)
    return `${e.error}${e.error_description ? `: ${e.error_description}` : ""}`;
  return (e as Error)?.message ?? String(e);
}
