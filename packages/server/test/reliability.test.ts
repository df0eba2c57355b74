import { workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;

/** The example workflow with fast retries, and whatever else a test changes. */
function manifest(name: string, edit: (yaml: string) => string = (y) => y): string {
  const base = workflowYaml(h.systems.url)
    .replace("name: support-triage", `name: ${name}`)
    .replace(/^retry: .*$/m, "retry: { maxAttempts: 3, initialDelay: 10ms, maxDelay: 50ms, maxElapsed: 5s }")
    .replace(/maxRepeats: 3/, "maxRepeats: 50")
    .replace(/toolCalls: 40/, "toolCalls: 400");
  return edit(base);
}

let n = 0;

/** A run in a workspace of its own, so breaker and rate-limit state never leaks between tests. */
async function runOf(name: string, edit?: (yaml: string) => string) {
  n++;
  ws = await h.workspace(`relco${n}`, `rel${n}`);
  await ws.admin.putWorkflow(ws.workspace, name, manifest(name, edit));
  return ws.agent.startRun({ workspace: ws.workspace, workflow: name });
}

beforeAll(async () => {
  h = await startHarness({
    tuning: {
      breakers: { failures: 3, halfOpenAfterMs: 300 },
      limits: { rateLimitWaitMs: 100, concurrentCallsPerWorkspace: 3, runningRunsPerWorkspace: 2 },
    },
  });
});
afterAll(async () => h.close());
beforeEach(() => h.systems.reset());

describe("retries", () => {
  it("retries a READ through a burst of 503s and shows every attempt in the timeline", async () => {
    const run = await runOf("read-retry");
    h.systems.setFaults({ system: "helpdesk", status: 503, count: 2 });
    const call = await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    expect(call).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(h.systems.count("helpdesk", "GET")).toBe(3);
    const t = await ws.auditor.timeline(run.id);
    expect(t.entries.filter((e) => e.type === "tool_call.attempt_failed")).toHaveLength(2);
    expect(t.entries.find((e) => e.type === "tool_call.attempt_failed")?.details).toMatchObject({
      attempt: 1,
      upstreamStatus: 503,
    });
  });

  it("gives up after maxAttempts: the attempts are bounded", async () => {
    const run = await runOf("read-bounded");
    h.systems.setFaults({ system: "tracker", status: 500 });
    const p = await problemOf(ws.agent.callTool(run.id, "tracker.search_issues", { q: "x" }));
    expect(p).toMatchObject({ code: "upstream_failed", upstreamStatus: 500, attempts: 3 });
    expect(h.systems.count("tracker", "GET")).toBe(3);
  });

  it("honours Retry-After on a 429", async () => {
    const run = await runOf("read-429");
    h.systems.setFaults({ system: "helpdesk", status: 429, retryAfter: 1, count: 1 });
    const t0 = Date.now();
    const call = await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1002" });
    expect(call.status).toBe("succeeded");
    const [first, second] = h.systems.requests({ system: "helpdesk" });
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it("retries a READ after a connection reset", async () => {
    const run = await runOf("read-reset");
    h.systems.setFaults({ system: "helpdesk", reset: true, count: 1 });
    expect((await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" })).attempts).toBe(2);
  });

  it("never retries a WRITE the system answered with an error", async () => {
    const run = await runOf("write-500", (y) => y.replace(/EXTERNAL_SEND: approve/, "EXTERNAL_SEND: allow"));
    h.systems.setFaults({ system: "chat", status: 500 });
    const p = await problemOf(ws.agent.callTool(run.id, "chat.post_message", { channel: "#general", text: "once" }));
    expect(p).toMatchObject({ code: "upstream_failed", attempts: 1 });
    expect(h.systems.count("chat", "POST")).toBe(1);
  });

  it("marks a WRITE whose answer never came outcome_unknown; the system shows it ran once", async () => {
    const run = await runOf("write-timeout", (y) =>
      y.replace(/timeout: 10s/g, "timeout: 300ms").replace(/EXTERNAL_SEND: approve/, "EXTERNAL_SEND: allow"),
    );
    h.systems.setFaults({ system: "chat", timeout: true });
    const p = await problemOf(ws.agent.callTool(run.id, "chat.post_message", { channel: "#general", text: "did it?" }));
    expect(p).toMatchObject({ code: "upstream_failed", callStatus: "outcome_unknown" });
    expect(h.systems.messages().filter((m) => m.text === "did it?")).toHaveLength(1);
    expect(h.systems.count("chat", "POST")).toBe(1);
    const t = await ws.auditor.timeline(run.id);
    expect(t.entries.map((e) => e.type)).toContain("tool_call.outcome_unknown");
    await h.server.tollgate.services.alerts.idle();
    const alerts = await ws.auditor.request<{ items: { kind: string; severity: string; runId: string }[] }>(
      "GET",
      `/v1/alerts?workspace=${ws.workspace}`,
    );
    expect(alerts.body.items).toContainEqual(
      expect.objectContaining({ kind: "outcome_unknown", severity: "critical", runId: run.id }),
    );
  });

  it("retries a WRITE whose request provably never left (connection refused)", async () => {
    const dead = "http://127.0.0.1:1";
    const run = await runOf("write-refused", (y) =>
      y.replace(`${h.systems.url}/chat`, `${dead}/chat`).replace(/EXTERNAL_SEND: approve/, "EXTERNAL_SEND: allow"),
    );
    const p = await problemOf(ws.agent.callTool(run.id, "chat.post_message", { channel: "#general", text: "x" }));
    expect(p).toMatchObject({ code: "upstream_failed", attempts: 3 });
  });
});

describe("circuit breaker", () => {
  it("opens after repeated failures, fails fast, then half-opens to probe and closes", async () => {
    const run = await runOf("breaker", (y) => y.replace(/^retry: .*$/m, "retry: { maxAttempts: 1 }"));
    h.systems.setFaults({ system: "tracker", status: 503 });
    for (let i = 0; i < 3; i++) await problemOf(ws.agent.callTool(run.id, "tracker.search_issues", { q: `b${i}` }));
    const fast = await problemOf(ws.agent.callTool(run.id, "tracker.search_issues", { q: "b-open" }));
    expect(fast).toMatchObject({ status: 503, code: "circuit_open" });
    expect(h.systems.count("tracker", "GET")).toBe(3);
    const systems = await ws.auditor.request<{ items: { system: string; breaker: string }[] }>(
      "GET",
      `/v1/workspaces/${ws.workspace}/systems`,
    );
    expect(systems.body.items.find((s) => s.system === "tracker")?.breaker).toBe("open");

    h.systems.clearFaults();
    await new Promise((r) => setTimeout(r, 350));
    expect((await ws.agent.callTool(run.id, "tracker.search_issues", { q: "b-probe" })).status).toBe("succeeded");
    const after = await ws.auditor.request<{ items: { system: string; breaker: string }[] }>(
      "GET",
      `/v1/workspaces/${ws.workspace}/systems`,
    );
    expect(after.body.items.find((s) => s.system === "tracker")?.breaker).toBe("closed");
  });
});

describe("rate limits", () => {
  it("refuses a call over the system's rate after the wait bound, with Retry-After, and audits it", async () => {
    const run = await runOf("rate", (y) => y.replace(/EXTERNAL_SEND: approve/, "EXTERNAL_SEND: allow"));
    await ws.agent.callTool(run.id, "chat.post_message", { channel: "#general", text: "1" });
    const res = await ws.agent
      .request("POST", `/v1/runs/${run.id}/tool-calls`, {
        tool: "chat.post_message",
        args: { channel: "#general", text: "2" },
      })
      .catch((e) => e);
    expect(res.problem).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 1 });
    expect(h.systems.count("chat", "POST")).toBe(1);
    expect((await ws.agent.getRun(run.id)).usage.toolCalls).toBe(1);
    const t = await ws.auditor.timeline(run.id);
    expect(t.entries.map((e) => e.type)).toContain("tool_call.rate_limited");
  });

  it("rate limits an approved call when it runs: it waits for its token rather than being refused", async () => {
    const run = await runOf("rate-approved");
    await ws.agent.callTool(run.id, "chat.post_message", { channel: "#support-a", text: "first" });
    const pending = await ws.agent.callTool(run.id, "chat.post_message", { channel: "#general", text: "second" });
    await ws.approver.decide(pending.approvalId!, "approve");
    expect((await ws.agent.waitForToolCall(pending.id, 20)).status).toBe("succeeded");
    const [first, second] = h.systems.requests({ system: "chat", method: "POST" });
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(900);
  });

  it("slows a system down after its 429, even without a configured rate", async () => {
    const run = await runOf("upstream-429", (y) => y.replace(/^retry: .*$/m, "retry: { maxAttempts: 1 }"));
    h.systems.setFaults({ system: "helpdesk", status: 429, retryAfter: 2, count: 1 });
    await problemOf(ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" }));
    const p = await problemOf(ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" }));
    expect(p).toMatchObject({ status: 429, code: "rate_limited" });
    expect(h.systems.count("helpdesk")).toBe(1);
  });
});

describe("protecting Tollgate itself", () => {
  it("caps calls in flight per workspace", async () => {
    const run = await runOf("busy");
    h.systems.setFaults({ system: "helpdesk", latencyMs: 300 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" })),
    );
    const refused = results
      .filter((r) => r.status === "rejected")
      .map((r) => (r as PromiseRejectedResult).reason.problem.code);
    expect(results.filter((r) => r.status === "fulfilled").length).toBeLessThanOrEqual(3);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(new Set(refused)).toEqual(new Set(["too_busy"]));
  });
});

describe("protecting Tollgate: running runs", () => {
  it("caps running runs per workspace; finishing one makes room", async () => {
    const first = await runOf("runs-cap");
    await ws.agent.startRun({ workspace: ws.workspace, workflow: "runs-cap" });
    expect(await problemOf(ws.agent.startRun({ workspace: ws.workspace, workflow: "runs-cap" }))).toMatchObject({
      status: 429,
      code: "too_busy",
    });
    await ws.agent.finishRun(first.id, "succeeded");
    expect((await ws.agent.startRun({ workspace: ws.workspace, workflow: "runs-cap" })).status).toBe("running");
  });
});

describe("run limits", () => {
  it("stops a run that ran past its wall-clock budget; a stopped run refuses further calls", async () => {
    const run = await runOf("wall-clock", (y) => y.replace(/wallClock: 15m/, "wallClock: 200ms"));
    await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    await new Promise((r) => setTimeout(r, 250));
    expect(await problemOf(ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1002" }))).toMatchObject({
      code: "budget_exceeded",
      stopReason: "wall_clock_exceeded",
    });
    expect(await ws.agent.getRun(run.id)).toMatchObject({ status: "stopped", stopReason: "wall_clock_exceeded" });
    expect((await problemOf(ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1002" }))).code).toBe(
      "run_not_running",
    );
  });
});
