import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/**
 * A real OAuth 2 / OpenID Connect authorization server for tests (oidc-provider): one confidential
 * client, PKCE required, refresh-token rotation, RFC 7009 revocation, client credentials. Consent is
 * scripted: the interaction endpoint logs the user in and grants every scope asked for, so a test
 * drives the whole code flow with fetch and a cookie jar, without a browser.
 */
export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  provider: Provider;
  /** access tokens the provider issued and has not destroyed (the example systems accept these) */
  liveAccessTokens: Set<string>;
  events: { type: string; id: string }[];
  /** follows the authorization URL through login and consent; answers where the browser would land */
  authorize(authorizationUrl: string, accountId: string): Promise<URL>;
  close(): Promise<void>;
}

export async function startTestProvider(redirectUris: string[]): Promise<TestProvider> {
  const clientId = "tollgate-test";
  const clientSecret = "test-client-secret-0123456789abcdef";
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code", "refresh_token", "client_credentials"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        scope: "openid offline_access chat:write chat:read",
      },
    ],
    scopes: ["openid", "offline_access", "chat:write", "chat:read"],
    pkce: { methods: ["S256"], required: () => true },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    ttl: {
      AccessToken: 3600,
      ClientCredentials: 3600,
      Interaction: 600,
      Session: 600,
      Grant: 3600,
      RefreshToken: 86_400,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = "json";
      ctx.body = out;
    },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  });
  provider.proxy = false;
  const liveAccessTokens = new Set<string>();
  const grantOf = new Map<string, string>();
  const events: { type: string; id: string }[] = [];
  for (const type of ["access_token.saved", "client_credentials.saved"])
    provider.on(type, (t: { jti: string; grantId?: string }) => {
      liveAccessTokens.add(t.jti);
      if (t.grantId) grantOf.set(t.jti, t.grantId);
      events.push({ type, id: t.jti });
    });
  // revoking a refresh token revokes its whole grant: every access token of it goes too
  provider.on("grant.revoked", (_ctx: unknown, grantId: string) => {
    for (const [jti, g] of grantOf) if (g === grantId) liveAccessTokens.delete(jti);
  });
  for (const type of ["access_token.destroyed", "client_credentials.destroyed"])
    provider.on(type, (t: { jti: string }) => {
      liveAccessTokens.delete(t.jti);
      events.push({ type, id: t.jti });
    });
  for (const type of ["refresh_token.saved", "refresh_token.consumed", "refresh_token.destroyed", "grant.revoked"])
    provider.on(type, (t: { jti?: string } | string) =>
      events.push({ type, id: typeof t === "string" ? t : (t.jti ?? "") }),
    );

  const callback = provider.callback();
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith("/interaction/")) {
      finishInteraction(provider, req, res).catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
      return;
    }
    callback(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    provider,
    liveAccessTokens,
    events,
    async authorize(authorizationUrl, accountId) {
      const jar = new Map<string, string>();
      let url = new URL(authorizationUrl);
      for (let hop = 0; hop < 10; hop++) {
        if (url.origin !== issuer) return url;
        const res = await fetch(url, {
          redirect: "manual",
          headers: {
            cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
            "x-test-account": accountId,
          },
        });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(";");
          const i = (pair as string).indexOf("=");
          jar.set((pair as string).slice(0, i), (pair as string).slice(i + 1));
        }
        const location = res.headers.get("location");
        if (!location)
          throw new Error(
            `the provider answered ${res.status} at ${url.pathname}: ${(await res.text()).slice(0, 300)}`,
          );
        url = new URL(location, url);
      }
      throw new Error("too many redirects");
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Scripted login and consent: the account named by the test, every requested scope granted. */
async function finishInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const accountId = String(req.headers["x-test-account"] ?? "alice");
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope ?? ""));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}
