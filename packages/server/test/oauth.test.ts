import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";
import { startTestProvider, type TestProvider } from "./oauth-provider.js";

// The chat system reached with an OAuth connection named "chat" instead of a stored bearer token.
const oauthYaml = (url: string, actingAs: "service" | "user" | "both") =>
  workflowYaml(url)
    .replace("actingAs: service", `actingAs: ${actingAs}`)
    .replace("auth: { type: bearer, secretRef: chat-token }", "auth: { type: oauth2, connection: chat }")
    .replace(/(\n {2}chat:\n {4}connector:)/, "\n  chat:\n    scopes: [chat:write]\n    connector:");

const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
let h: Harness;
let op: TestProvider;
let service: Workspace;
let users: Workspace;
let callbackUrl: string;

beforeAll(async () => {
  const tokens = { live: new Set<string>() };
  h = await startHarness({
    clock,
    systems: { acceptBearer: (system, token) => system === "chat" && tokens.live.has(token) },
  });
  callbackUrl = `${h.url}/v1/oauth/callback`;
  op = await startTestProvider([callbackUrl]);
  tokens.live = op.liveAccessTokens;
  service = await h.workspace("acme", "support", oauthYaml(h.systems.url, "service"));
  users = await h.workspace("globex", "helpdesk", oauthYaml(h.systems.url, "user"));
  for (const ws of [service, users]) await ws.admin.putSecret(ws.workspace, "chat-client-secret", op.clientSecret);
});
afterAll(async () => {
  await op?.close();
  await h?.close();
});

const post = (ws: Workspace, run: string, channel = "#support-oauth") =>
  ws.agent.callTool(run, "chat.post_message", { channel, text: "hello over OAuth" });
const lastChatToken = () =>
  h.systems
    .authorizations("chat")
    .at(-1)
    ?.replace(/^Bearer /, "") ?? "";

async function connectUser(user: string) {
  const r = await users.admin
    .createConnection("helpdesk", {
      name: "chat",
      kind: "user",
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecretRef: "chat-client-secret",
      redirectUri: callbackUrl,
      user,
    })
    .catch(async (e) => {
      if ((e as { problem?: { code: string } }).problem?.code !== "conflict") throw e;
      return users.admin.authorizeConnection("helpdesk", "chat", { user });
    });
  return r.authorizationUrl as string;
}

const callback = (landing: URL) => fetch(`${callbackUrl}${landing.search}`);

describe("OAuth connections against a real authorization server", () => {
  it("connects a service account with client credentials, scoped from the manifest, and calls with its token", async () => {
    const { connection } = await service.admin.createConnection("support", {
      name: "chat",
      kind: "service",
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecretRef: "chat-client-secret",
    });
    expect(connection).toMatchObject({ kind: "service", scopes: ["chat:write"], systems: ["chat"], revocation: true });
    expect(connection.grants).toMatchObject([
      {
        actingAs: { kind: "service", id: "service" },
        status: "connected",
        scopesGranted: ["chat:write"],
        flagged: false,
      },
    ]);

    const run = await service.agent.startRun({ workspace: "support", workflow: "support-triage" });
    expect(run.actingAs).toEqual({ kind: "service", id: "service" });
    const call = await post(service, run.id);
    expect(call).toMatchObject({ status: "succeeded", actingAs: { kind: "service", id: "service" } });
    const token = lastChatToken();
    expect(op.liveAccessTokens.has(token)).toBe(true);

    // the token is never shown: not by the connections API, not in the audit log
    const listed = JSON.stringify(await service.admin.listConnections("support"));
    const audit = await service.auditor.exportAudit("support");
    for (const text of [listed, audit, JSON.stringify(call)]) expect(text).not.toContain(token);
    expect(audit).toContain('"connection.connected"');
    expect(audit).toMatch(/"tool_call.decided".*"actingAs":\{"kind":"service","id":"service"\}/);
  });

  it("runs the code flow with PKCE S256 for a user, single-use state, and calls as that user", async () => {
    const url = new URL(await connectUser("alice"));
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("scope")).toBe("chat:write");
    const landing = await op.authorize(url.href, "alice");
    expect(landing.origin + landing.pathname).toBe(callbackUrl);

    const done = await callback(landing);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({
      connection: "chat",
      actingAs: { kind: "user", id: "alice" },
      status: "connected",
    });
    const replay = await callback(landing);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({
      code: "invalid_request",
      detail: expect.stringMatching(/already used/),
    });

    const run = await users.agent.startRun({
      workspace: "helpdesk",
      workflow: "support-triage",
      actingAs: { kind: "user", id: "alice" },
    });
    const call = await post(users, run.id);
    expect(call).toMatchObject({ status: "succeeded", actingAs: { kind: "user", id: "alice" } });
    expect(op.liveAccessTokens.has(lastChatToken())).toBe(true);

    // another user has not connected: a clear error, and nothing is sent
    const bob = await users.agent.startRun({ workspace: "helpdesk", workflow: "support-triage", actingAs: "user:bob" });
    const before = h.systems.count("chat");
    const refused = await problemOf(post(users, bob.id));
    expect(refused).toMatchObject({ status: 424, code: "credentials_unavailable" });
    expect(refused.detail).toMatch(/no tokens for user:bob/);
    expect(h.systems.count("chat")).toBe(before);
    // a user workflow refuses a service run
    expect((await problemOf(users.agent.startRun({ workspace: "helpdesk", workflow: "support-triage" }))).code).toBe(
      "invalid_request",
    );
  });

  it("refreshes before expiry and stores the rotated refresh token", async () => {
    const first = lastChatToken();
    const refreshes = () => op.events.filter((e) => e.type === "refresh_token.consumed").length;
    const before = refreshes();
    for (let i = 1; i <= 2; i++) {
      clock.offsetMs += 2 * 3600_000;
      const run = await users.agent.startRun({
        workspace: "helpdesk",
        workflow: "support-triage",
        actingAs: "user:alice",
      });
      expect(await post(users, run.id, `#support-refresh-${i}`)).toMatchObject({ status: "succeeded" });
      expect(refreshes()).toBe(before + i);
    }
    // the second refresh used the rotated token (reusing a consumed one would have revoked the grant)
    expect(lastChatToken()).not.toBe(first);
    expect(op.liveAccessTokens.has(lastChatToken())).toBe(true);
    const audit = await users.auditor.exportAudit("helpdesk");
    expect(audit.match(/"connection.refreshed"[^\n]*"refreshTokenRotated":true/g)?.length).toBe(2);
  });

  it("revokes at the provider, deletes the tokens, and refuses the next call", async () => {
    const run = await users.agent.startRun({
      workspace: "helpdesk",
      workflow: "support-triage",
      actingAs: "user:alice",
    });
    await post(users, run.id, "#support-before-revoke");
    const token = lastChatToken();
    const r = await users.admin.revokeConnection("helpdesk", "chat", { kind: "user", id: "alice" });
    expect(r).toMatchObject({ revoked: 1, provider: [{ subject: "user:alice", revoked: true }] });
    expect(op.liveAccessTokens.has(token)).toBe(false);
    expect(await op.provider.AccessToken.find(token)).toBeUndefined();

    const before = h.systems.count("chat");
    const refused = await problemOf(post(users, run.id, "#support-after-revoke"));
    expect(refused).toMatchObject({ status: 424, code: "credentials_unavailable" });
    expect(refused.detail).toMatch(/revoked/);
    expect(h.systems.count("chat")).toBe(before);
    const conn = await users.admin.getConnection("helpdesk", "chat");
    expect(conn.grants).toMatchObject([{ actingAs: { id: "alice" }, status: "revoked" }]);
    expect(await users.auditor.exportAudit("helpdesk")).toContain('"connection.revoked"');

    // connecting again works
    const landing = await op.authorize(await connectUser("alice"), "alice");
    expect((await callback(landing)).status).toBe(200);
    expect(await post(users, run.id, "#support-reconnected")).toMatchObject({ status: "succeeded" });
  });

  it("refuses a forged state, an expired request, a wrong redirect and a request without PKCE", async () => {
    const forged = await fetch(`${callbackUrl}?code=abc&state=forged-state`);
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ code: "invalid_request", detail: expect.stringMatching(/unknown/) });
    expect((await fetch(callbackUrl)).status).toBe(400);

    const expiring = await connectUser("carol");
    const landing = await op.authorize(expiring, "carol");
    clock.offsetMs += 11 * 60_000;
    const expired = await callback(landing);
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ detail: expect.stringMatching(/expired/) });

    const wrongRedirect = new URL(await connectUser("carol"));
    wrongRedirect.searchParams.set("redirect_uri", "http://evil.example/callback");
    await expect(op.authorize(wrongRedirect.href, "carol")).rejects.toThrow(/redirect_uri/);

    const noPkce = new URL(await connectUser("carol"));
    noPkce.searchParams.delete("code_challenge");
    noPkce.searchParams.delete("code_challenge_method");
    const refusedByProvider = await op.authorize(noPkce.href, "carol");
    expect(refusedByProvider.searchParams.get("error")).toBe("invalid_request");
    const noCode = await callback(refusedByProvider);
    expect(noCode.status).toBe(502);
    expect(await noCode.json()).toMatchObject({ code: "oauth_failed" });

    const conn = await users.admin.getConnection("helpdesk", "chat");
    expect(conn.grants.map((g) => g.actingAs.id)).not.toContain("carol");
  });

  it("disconnects: the connection is gone and calls say so", async () => {
    await users.admin.disconnect("helpdesk", "chat");
    expect((await problemOf(users.admin.getConnection("helpdesk", "chat"))).status).toBe(404);
    const run = await users.agent.startRun({
      workspace: "helpdesk",
      workflow: "support-triage",
      actingAs: "user:alice",
    });
    const refused = await problemOf(post(users, run.id));
    expect(refused).toMatchObject({
      code: "credentials_unavailable",
      detail: expect.stringMatching(/no connection chat/),
    });
    expect(await users.auditor.exportAudit("helpdesk")).toContain('"connection.deleted"');
  });
});

describe("connection scopes and addresses", () => {
  it("refuses scopes the workflows do not need and blanket scopes unless an admin accepts them", async () => {
    const base = {
      kind: "service" as const,
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecretRef: "chat-client-secret",
    };
    const extra = await problemOf(
      users.admin.createConnection("helpdesk", { ...base, name: "chat", scopes: ["chat:write", "chat:read"] }),
    );
    expect(extra).toMatchObject({ status: 422, code: "scope_rejected", scopes: ["chat:read"] });
    const blanket = await problemOf(
      service.admin.createConnection("support", { ...base, name: "everything", scopes: ["*"] }),
    );
    expect(blanket).toMatchObject({ status: 422, code: "scope_rejected", scopes: ["*"] });
    expect((await problemOf(service.agent.listConnections("support"))).status).toBe(403);
  });

  it("flags a grant wider than asked, and keeps an admin's acceptance of a blanket scope with its reason", async () => {
    const tokenServer = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({ access_token: "wide-token", token_type: "bearer", expires_in: 3600, scope: "files:* admin" }),
      );
    });
    await new Promise<void>((r) => tokenServer.listen(0, "127.0.0.1", r));
    try {
      const token = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
      const { connection } = await service.admin.createConnection("support", {
        name: "files",
        kind: "service",
        endpoints: { token },
        clientId: "files-client",
        scopes: ["files:*"],
        acceptBlanketScopes: { reason: "the files API has no narrower scope" },
      });
      expect(connection.blanketAccepted).toMatchObject({
        scopes: ["files:*"],
        reason: "the files API has no narrower scope",
      });
      expect(connection.grants).toMatchObject([{ flagged: true, scopesWider: ["admin"] }]);
    } finally {
      tokenServer.close();
    }
  });

  it("refuses OAuth endpoints in link-local, metadata and private ranges", async () => {
    for (const issuer of ["http://169.254.169.254/", "http://10.1.2.3/", "https://[fd00:ec2::254]/"]) {
      const p = await problemOf(
        service.admin.createConnection("support", {
          name: "meta",
          kind: "service",
          issuer,
          clientId: "x",
          scopes: ["a"],
        }),
      );
      expect(p).toMatchObject({ status: 422, code: "outbound_refused" });
    }
  });
});
