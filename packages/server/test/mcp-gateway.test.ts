import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";
import { mcpClient, memoryWorkflowYaml, textOf } from "./mcp-support.js";

// The agent side of the MCP gateway, with the SDK's own client over Streamable HTTP, in front of
// the reference memory server from npm (nobody here wrote either end).
let h: Harness;
let ws: Workspace;
let agentKey: string;
let client: Client;

beforeAll(async () => {
  h = await startHarness({ tuning: { mcp: { approvalWaitMs: 1_500, progressEveryMs: 250 } } });
  ws = await h.workspace("acme", "support");
  agentKey = (await h.operator.createKey("support", "mcp-agent", "agent")).key;
  await ws.admin.putWorkflow("support", "memory-agent", memoryWorkflowYaml());
  client = await mcpClient(h.url, agentKey, "support", "memory-agent");
});
afterAll(async () => {
  await client?.close();
  await h.close();
});

/** One JSON-RPC message POSTed in an MCP session, as the SDK's client sends it. */
const postInSession = (sid: string, message: Record<string, unknown>) =>
  fetch(new URL("/mcp/support/memory-agent", h.url), {
    method: "POST",
    headers: {
      authorization: `Bearer ${agentKey}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sid,
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", ...message }),
  });

const runOf = async () => {
  const { items } = await ws.auditor.listRuns("support", { workflow: "memory-agent" });
  return items;
};

describe("the MCP gateway (agent side)", () => {
  it("lists the boundary's actions as system__action tools, never the blocked-by-default ones", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual([
      "memory__create_entities",
      "memory__read_graph",
      "memory__search_nodes",
      "tollgate__check_call",
    ]);
    // no input schema in the manifest: the pinned upstream one is shown
    const search = tools.find((t) => t.name === "memory__search_nodes");
    expect(search?.inputSchema).toMatchObject({ type: "object", properties: { query: { type: "string" } } });
    expect(search?.description).toMatch(/search/i);
    expect(search?.annotations).toMatchObject({ readOnlyHint: true });
  });

  it("starts one run per MCP session, named after the client", async () => {
    const runs = await runOf();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "running", agent: "test-agent", labels: { via: "mcp" } });
  });

  it("runs an allowed call through the governed pipeline to the upstream and back", async () => {
    const r = await client.callTool({ name: "memory__read_graph", arguments: {} });
    expect(r.isError).toBeFalsy();
    expect(JSON.parse(textOf(r))).toMatchObject({ entities: [], relations: [] });
    const [run] = await runOf();
    const timeline = await ws.auditor.timeline(run!.id);
    expect(timeline.entries.map((e) => e.type)).toEqual(
      expect.arrayContaining(["run.started", "tool_call.decided", "tool_call.completed"]),
    );
  });

  it("answers a tools/call as one JSON body unless it asks for progress, which gets an event stream", async () => {
    const sid = (client.transport as unknown as { sessionId?: string }).sessionId as string;
    const post = (message: Record<string, unknown>) => postInSession(sid, { method: "tools/call", ...message });
    const plain = await post({ id: 21, params: { name: "memory__read_graph", arguments: {} } });
    expect(plain.headers.get("content-type")).toBe("application/json");
    const answer = (await plain.json()) as { id: number; result: { content: { text: string }[] } };
    expect(answer.id).toBe(21);
    expect(JSON.parse(answer.result.content[0]!.text)).toMatchObject({ entities: [] });

    const withProgress = await post({
      id: 22,
      params: { name: "memory__read_graph", arguments: {}, _meta: { progressToken: "p1" } },
    });
    expect(withProgress.headers.get("content-type")).toBe("text/event-stream");
    const event = /^data: (.*)$/m.exec(await withProgress.text());
    expect(JSON.parse(event?.[1] ?? "null")).toMatchObject({ id: 22, result: { content: [{ type: "text" }] } });

    // a malformed call is still the SDK's to refuse, as a JSON-RPC error
    const malformed = await post({ id: 23, params: { arguments: {} } });
    const refusal = /^data: (.*)$/m.exec(await malformed.text());
    expect(JSON.parse(refusal?.[1] ?? "null")).toMatchObject({ id: 23, error: { message: /params.*name/s } });
  });

  it("answers a blocked call, an unknown tool and bad arguments as tool errors with the reason", async () => {
    const blocked = await client.callTool({ name: "memory__delete_entities", arguments: { entityNames: ["x"] } });
    expect(blocked.isError).toBe(true);
    expect(textOf(blocked)).toMatch(/^blocked: .*DELETE/);
    expect(blocked.structuredContent).toMatchObject({ code: "blocked", callId: expect.stringMatching(/^call_/) });

    const outside = await client.callTool({ name: "billing__refund", arguments: { amount: 5 } });
    expect(outside.isError).toBe(true);
    expect(textOf(outside)).toMatch(/^outside_boundary: billing__refund is not an action/);

    // the upstream's own input schema is enforced (the manifest gives none)
    const bad = await client.callTool({ name: "memory__search_nodes", arguments: { query: 42 } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/^invalid_arguments: .*args\.query/);
  });

  it("holds a call for approval with progress notifications, then hands its outcome to tollgate__check_call", async () => {
    const progress: number[] = [];
    const entities = [{ name: "Ada", entityType: "customer", observations: ["prefers e-mail"] }];
    const pending = await client.callTool({ name: "memory__create_entities", arguments: { entities } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(pending.isError).toBeFalsy();
    const { callId, approvalId, status } = pending.structuredContent as Record<string, string>;
    expect(status).toBe("pending_approval");
    expect(textOf(pending)).toContain(callId as string);
    expect(textOf(pending)).toContain("tollgate__check_call");
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    // nothing reached the upstream yet
    expect(JSON.parse(textOf(await client.callTool({ name: "memory__read_graph", arguments: {} }))).entities).toEqual(
      [],
    );

    const still = await client.callTool({ name: "tollgate__check_call", arguments: { callId } });
    expect(still.structuredContent).toMatchObject({ status: "pending_approval", callId });

    await ws.approver.decide(approvalId as string, "approve", "fine");
    const done = await client.callTool({ name: "tollgate__check_call", arguments: { callId, wait: 10 } });
    expect(done.isError).toBeFalsy();
    expect(textOf(done)).toContain("Ada");
    const graph = JSON.parse(textOf(await client.callTool({ name: "memory__read_graph", arguments: {} })));
    expect(graph.entities).toEqual([expect.objectContaining({ name: "Ada", entityType: "customer" })]);
  });

  it("ends the wait of a call answered as JSON when the client cancels it", async () => {
    const entities = [{ name: "Grace", entityType: "customer", observations: ["calls on Fridays"] }];
    const pending = await client.callTool({ name: "memory__create_entities", arguments: { entities } });
    const { callId, approvalId } = pending.structuredContent as Record<string, string>;
    const sid = (client.transport as unknown as { sessionId?: string }).sessionId as string;
    // waits up to a minute for a decision nobody makes, unless cancelled
    const waiting = postInSession(sid, {
      id: "wait-1",
      method: "tools/call",
      params: { name: "tollgate__check_call", arguments: { callId, wait: 60 } },
    }).then(async (res) => (await res.json()) as { result: { structuredContent: Record<string, unknown> } });
    let answered: Awaited<typeof waiting> | undefined;
    void waiting.then((a) => {
      answered = a;
    });
    // the cancellation may arrive before the call is under way: sent again until it is answered
    for (let i = 0; i < 100 && !answered; i++) {
      await postInSession(sid, {
        method: "notifications/cancelled",
        params: { requestId: "wait-1", reason: "the agent moved on" },
      });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(answered?.result.structuredContent).toMatchObject({ status: "pending_approval", callId });
    await ws.approver.decide(approvalId as string, "deny", "not needed");
  });

  it("joins an existing run with x-tollgate-run, and keeps other runs' calls out of check_call", async () => {
    const [run] = await runOf();
    const second = await mcpClient(h.url, agentKey, "support", "memory-agent", { "x-tollgate-run": run!.id });
    try {
      await second.callTool({ name: "memory__search_nodes", arguments: { query: "Ada" } });
      expect(await runOf()).toHaveLength(1);
      const other = await mcpClient(h.url, agentKey, "support", "memory-agent");
      const pending = await other.callTool({
        name: "memory__create_entities",
        arguments: { entities: [{ name: "Bob", entityType: "customer", observations: [] }] },
      });
      const { callId } = pending.structuredContent as { callId: string };
      const foreign = await second.callTool({ name: "tollgate__check_call", arguments: { callId } });
      expect(foreign.isError).toBe(true);
      await other.close();
    } finally {
      await second.close();
    }
  });

  it("refuses a missing or wrong key, and a workspace the key does not belong to", async () => {
    await expect(mcpClient(h.url, "tgk_nope", "support", "memory-agent")).rejects.toThrow();
    await h.operator.createTenant("other");
    await h.operator.createWorkspace("other", "elsewhere");
    await expect(mcpClient(h.url, agentKey, "elsewhere", "memory-agent")).rejects.toThrow();
    // only keys that may act (agent, admin) open a session
    const auditorKey = (await h.operator.createKey("support", "mcp-auditor", "auditor")).key;
    await expect(mcpClient(h.url, auditorKey, "support", "memory-agent")).rejects.toThrow(/403|forbidden/i);
    const res = await fetch(new URL("/mcp/support/memory-agent", h.url), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
  });

  it("ends the session on DELETE and forgets it", async () => {
    const c = await mcpClient(h.url, agentKey, "support", "memory-agent");
    const transport = c.transport as unknown as { terminateSession(): Promise<void>; sessionId?: string };
    const sid = transport.sessionId as string;
    await transport.terminateSession();
    const res = await postInSession(sid, { id: 9, method: "tools/list" });
    expect(res.status).toBe(404);
    await c.close();
  });

  it("fails an upstream error as upstream_failed with the upstream's message", async () => {
    // the memory server rejects observations for an entity that does not exist
    await ws.admin.putWorkflow(
      "support",
      "memory-agent",
      memoryWorkflowYaml().replace("delete_entities: { class: DELETE }", "add_observations: { class: READ }"),
    );
    const c = await mcpClient(h.url, agentKey, "support", "memory-agent");
    const r = await c.callTool({
      name: "memory__add_observations",
      arguments: { observations: [{ entityName: "Nobody", contents: ["x"] }] },
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^upstream_failed: .*Nobody/);
    const { items } = await ws.auditor.listRuns("support", { workflow: "memory-agent" });
    const problem = await problemOf(
      ws.agent.callTool(items[0]!.id, "memory.add_observations", {
        observations: [{ entityName: "Nobody", contents: ["y"] }],
      }),
    );
    expect(problem).toMatchObject({ status: 502, code: "upstream_failed" });
    await c.close();
  });
});
