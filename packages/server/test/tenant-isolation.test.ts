import { readdirSync } from "node:fs";
import type { TollgateClient } from "@tollgate/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rateKey, systemKey } from "../src/calls/execute.js";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

/**
 * Two tenants. Every route the server registers is called with tenant A's keys and tenant B's ids:
 * each answers 404 and shows nothing of B. A route this suite does not know how to address fails
 * it, so a new route cannot slip past.
 */
let h: Harness;
let a: Workspace;
let b: Workspace;
const canary = { secret: "globex-canary-secret-7f3a", label: "globex-canary-label", text: "globex-canary-text" };
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness();
  a = await h.workspace("acme", "support");
  b = await h.workspace("globex", "helpdesk");
  await b.admin.putSecret("helpdesk", "canary", canary.secret);
  const run = await b.agent.startRun({
    workspace: "helpdesk",
    workflow: "support-triage",
    labels: { canary: canary.label },
  });
  const pending = await b.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: canary.text });
  const key = await b.admin.createKey("helpdesk", "b-extra", "agent");
  ids.run = run.id;
  ids.call = pending.id;
  ids.approval = pending.approvalId as string;
  ids.key = key.id;
  ids.trace = run.traceId;
});
afterAll(async () => h?.close());

/** Routes that address no tenant's data, and why. */
const exempt: Record<string, string> = {
  "GET /healthz": "liveness only",
  "GET /metrics": "operator metrics, guarded by the metrics token; no tenant ids in the path",
  "GET /v1/oauth/callback": "addressed by a single-use state, not by ids (oauth.test.ts refuses forged states)",
  "POST /v1/tenants": "creates a tenant (operator key only)",
  "GET /approval-links": "addressed by a signed single-use link token, not by a key",
  "POST /approval-links": "addressed by a signed single-use link token, not by a key",
  "GET /v1/whoami": "answers the caller's own key; takes no ids",
  "GET /": "the web UI's page (index.html): no data; the UI calls the API with the person's key",
  "GET /sign-in": "the web UI's page",
  "GET /approvals": "the web UI's page",
  "GET /runs": "the web UI's page",
  "GET /runs/:id": "the web UI's page: the id is read by the UI through the API, which checks it",
  "GET /readiness": "the web UI's page",
  "GET /workflows": "the web UI's page",
  "GET /workflows/:name": "the web UI's page: the name is read by the UI through the API, which checks it",
  "GET /usage": "the web UI's page",
  "GET /alerts": "the web UI's page",
  "GET /audit": "the web UI's page",
  "GET /connectors": "the web UI's page",
  "GET /retention": "the web UI's page",
  "GET /assets/*": "the web UI's built scripts and styles",
};

/** Valid bodies, so the answer is about the ids and not about the body's shape. */
const bodies: Record<string, unknown> = {
  "POST /v1/tenants/:tenant/workspaces": { id: "a-made-this" },
  "POST /v1/runs": { workspace: "helpdesk", workflow: "support-triage" },
  "POST /v1/runs/:id/finish": { status: "cancelled" },
  "POST /v1/runs/:id/tool-calls": { tool: "helpdesk.get_ticket", args: { id: "T-1001" } },
  "POST /v1/approvals/:id/decision": { decision: "approve", reason: "x" },
  "PUT /v1/workspaces/:ws/secrets/:name": { value: "x" },
  "POST /v1/workspaces/:ws/keys": { name: "x", role: "agent" },
  "POST /v1/workspaces/:ws/connections": {
    name: "x",
    kind: "service",
    issuer: "https://id.example.com",
    clientId: "x",
  },
  "POST /v1/runs/:id/openai/chat/completions": { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
  "POST /v1/runs/:id/anthropic/v1/messages": {
    model: "claude-3-5-haiku-latest",
    max_tokens: 10,
    messages: [{ role: "user", content: "hi" }],
  },
};

/** Tenant B's id for a route parameter. */
function paramValue(url: string, param: string): string {
  if (param === "ws") return b.workspace;
  if (param === "tenant") return b.tenant;
  if (param === "id") {
    if (url.startsWith("/v1/runs/")) return ids.run as string;
    if (url.startsWith("/v1/tool-calls/")) return ids.call as string;
    if (url.startsWith("/v1/approvals/")) return ids.approval as string;
    if (url.includes("/keys/")) return ids.key as string;
    return "b-object";
  }
  if (param === "name" || param === "workflow") return url.includes("/secrets/") ? "canary" : "support-triage";
  return "b-object";
}

function requestFor(route: { method: string; url: string }) {
  const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string);
  let path = route.url.replace(/:([A-Za-z]+)/g, (_, p: string) => encodeURIComponent(paramValue(route.url, p)));
  const addressed = params.some((p) => ["ws", "tenant", "id"].includes(p));
  // Routes without a tenant-bearing path name the workspace in the query or body.
  if (!addressed) path += `?workspace=${b.workspace}`;
  const body =
    route.method === "GET" || route.method === "DELETE"
      ? undefined
      : (bodies[`${route.method} ${route.url}`] ?? { workspace: b.workspace });
  return { path, body, addressed };
}

describe("tenant isolation", () => {
  it("answers 404 and leaks nothing on every route called with tenant A's keys and tenant B's ids", async () => {
    const routes = h.server.tollgate.http.tollgateRoutes;
    expect(routes.length).toBeGreaterThan(30);
    const keys = { admin: a.admin, agent: a.agent, auditor: a.auditor, approver: a.approver };
    const wrong: string[] = [];
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      if (exempt[name]) continue;
      if (!route.url.startsWith("/v1/") && !route.url.startsWith("/mcp/"))
        throw new Error(
          `route ${name} is not covered by the tenant-isolation suite: address it or exempt it with a reason`,
        );
      const { path, body } = requestFor(route);
      for (const [role, client] of Object.entries(keys)) {
        const { status, text } = await send(client, route.method, path, body);
        // Whatever the caller's role and whatever the body, another tenant's id does not exist.
        if (status !== 404) wrong.push(`${name} as A's ${role}: ${status} ${text.slice(0, 160)}`);
        for (const secret of [canary.secret, canary.label, canary.text, ids.trace as string])
          if (text.includes(secret)) wrong.push(`${name} as A's ${role} leaked ${secret}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("refuses tenant A's keys on B's MCP endpoint", async () => {
    const res = await fetch(`${h.url}/mcp/${b.workspace}/support-triage`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${keyOf(a.agent)}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "a", version: "1" } },
      }),
    });
    expect(res.status).toBe(404);
  });

  it("does not open a ciphertext copied into another tenant's row", async () => {
    const { store, vault } = h.server.tollgate.services;
    const sealed = await store.scope(b.tenant).secrets.get(b.workspace, "canary");
    expect(sealed).toBeDefined();
    await store.scope(a.tenant).secrets.put(a.workspace, "canary", sealed as string, new Date().toISOString());
    await expect(vault.getSecret(a.tenant, a.workspace, "canary")).rejects.toThrow();
    // the same tenant, another row: the row is additional data too
    await store.scope(b.tenant).secrets.put(b.workspace, "copied", sealed as string, new Date().toISOString());
    await expect(vault.getSecret(b.tenant, b.workspace, "copied")).rejects.toThrow();
    // OAuth tokens are sealed the same way
    const token = await vault.seal(b.tenant, "oauth_grants", "helpdesk/chat/service", "access-token");
    await expect(vault.open(a.tenant, "oauth_grants", "helpdesk/chat/service", token)).rejects.toThrow();
    expect(await vault.open(b.tenant, "oauth_grants", "helpdesk/chat/service", token)).toBe("access-token");
    // (a workspace holding a secret that does not open cannot run calls: take them away again)
    await store.scope(a.tenant).secrets.delete(a.workspace, "canary");
    await store.scope(b.tenant).secrets.delete(b.workspace, "copied");
  });

  it("keys rate limits, breakers, idempotency and the redaction cache by tenant", async () => {
    const action = { system: "chat" } as never;
    expect(rateKey("acme", "chat")).not.toBe(rateKey("globex", "chat"));
    expect(systemKey({ tenantId: "acme", workspaceId: "w", action })).not.toBe(
      systemKey({ tenantId: "globex", workspaceId: "w", action }),
    );
    // the same idempotency key in both tenants runs twice, once each
    h.systems.reset();
    for (const ws of [a, b]) {
      const run = await ws.agent.startRun({ workspace: ws.workspace, workflow: "support-triage" });
      const r = await ws.agent.callTool(
        run.id,
        "helpdesk.get_ticket",
        { id: "T-1001" },
        { idempotencyKey: "same-key" },
      );
      expect(r.replayed).toBeUndefined();
    }
    expect(h.systems.count("helpdesk", "GET")).toBe(2);
    // B's secret is redacted in B's results only: A's cache of known secrets does not hold it
    const { redaction } = h.server.tollgate.services;
    const wfA = await h.server.tollgate.services.workflows.compiledActive(a.tenant, a.workspace, "support-triage");
    const forA = await redaction.forWorkflow(a.tenant, a.workspace, wfA);
    expect(forA.text(canary.secret).value).toBe(canary.secret);
  });

  it("keeps an audit chain per tenant, each verifying on its own", async () => {
    for (const [ws, other] of [
      [a, b],
      [b, a],
    ] as const) {
      expect(await ws.auditor.verifyAudit(ws.workspace)).toMatchObject({ ok: true });
      const events = [];
      for await (const e of ws.auditor.allAuditEvents(ws.workspace)) events.push(e);
      expect(JSON.stringify(events)).not.toContain(`"${other.workspace}"`);
      // each tenant's chain starts at 1 with its own tenant.created event
      const head = await h.server.tollgate.services.store.scope(ws.tenant).audit.list({ limit: 1 });
      expect(head[0]).toMatchObject({ seq: 1, type: "tenant.created" });
    }
  });

  it("writes no per-tenant files outside the store", () => {
    const files = readdirSync(h.dataDir);
    for (const f of files) for (const t of [a.tenant, b.tenant]) expect(f).not.toContain(t);
  });

  it("does not confirm another tenant's key ids to the operator's workspaces either", async () => {
    const p = await problemOf(a.admin.revokeKey(b.workspace, ids.key as string));
    expect(p.status).toBe(404);
    // and B's key still works
    expect((await b.admin.listKeys("helpdesk")).items.find((k) => k.id === ids.key)?.revokedAt).toBeNull();
  });
});

async function send(client: TollgateClient, method: string, path: string, body: unknown) {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${keyOf(client)}`,
      accept: "application/json, text/event-stream",
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

function keyOf(c: TollgateClient): string {
  return (c as unknown as { opts: { key: string } }).opts.key;
}
