import { workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;

beforeAll(async () => {
  h = await startHarness();
  ws = await h.workspace("acme", "support");
});
afterAll(async () => h.close());
beforeEach(() => {
  h.systems.reset();
});

const startRun = () => ws.agent.startRun({ workspace: "support", workflow: "support-triage", agent: "test-bot" });

describe("the governed tool call over the HTTP API", () => {
  it("runs a READ against the real system with the vault's credential, never the agent's key", async () => {
    const run = await startRun();
    const call = await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    expect(call).toMatchObject({ status: "succeeded", decision: "allow", class: "READ" });
    expect((call.result as { id: string }).id).toBe("T-1001");
    const auths = h.systems.authorizations("helpdesk");
    expect(auths).toEqual([`Bearer ${h.systems.tokens.helpdesk}`]);
    expect(auths.join()).not.toContain("tgk_");
  });

  it("uses a changed secret from the very next call (the vault's cache never serves the old one)", async () => {
    const run = await startRun();
    await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    await ws.admin.putSecret("support", "helpdesk-token", "rotated-token");
    try {
      const refused = await problemOf(ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1002" }));
      expect(refused).toMatchObject({ status: 502, code: "upstream_failed" });
      expect(h.systems.authorizations("helpdesk").at(-1)).toBe("Bearer rotated-token");
    } finally {
      await ws.admin.putSecret("support", "helpdesk-token", h.systems.tokens.helpdesk);
    }
    const again = await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1003" });
    expect(again.status).toBe("succeeded");
  });

  it("refuses calls clearly (424, naming the secret) when a stored secret no longer decrypts", async () => {
    const damaged = await h.workspace("damaged-co", "damaged");
    const store = h.server.tollgate.services.store;
    // a row sealed under another master key, or damaged on disk
    await store.scope("damaged-co").secrets.put("damaged", "crm-token", "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x");
    const run = await damaged.agent.startRun({ workspace: "damaged", workflow: "support-triage" });
    const refused = await problemOf(damaged.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" }));
    expect(refused).toMatchObject({ status: 424, code: "credentials_unavailable" });
    expect(refused.detail).toContain("secret crm-token of workspace damaged cannot be decrypted");
  });

  it("holds a WRITE for approval, then executes the stored call exactly once when approved", async () => {
    const run = await startRun();
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", {
      project: "SUP",
      title: "Export is missing a column",
    });
    expect(pending).toMatchObject({ status: "pending_approval", decision: "approve" });
    expect(h.systems.count("tracker", "POST")).toBe(0);

    const { items } = await ws.approver.listApprovals("support");
    const approval = items.find((a) => a.callId === pending.id);
    expect(approval).toMatchObject({
      tool: "tracker.create_issue",
      class: "WRITE",
      args: { project: "SUP", title: "Export is missing a column" },
    });

    const waiting = ws.agent.getToolCall(pending.id, 20);
    const decision = await ws.approver.decide(approval!.id, "approve", "fine");
    expect(decision).toMatchObject({ status: "approved", decidedBy: "approver-acme" });
    const done = await waiting;
    expect(done.status).toBe("succeeded");
    expect((done.result as { key: string }).key).toMatch(/^SUP-\d+$/);
    expect(h.systems.count("tracker", "POST")).toBe(1);

    expect((await problemOf(ws.approver.decide(approval!.id, "approve"))).code).toBe("conflict");
    expect(h.systems.count("tracker", "POST")).toBe(1);
  });

  it("ends a denied call as denied without running it", async () => {
    const run = await startRun();
    const pending = await ws.agent.callTool(run.id, "helpdesk.close_ticket", { id: "T-1001", resolution: "done" });
    await ws.approver.decide(pending.approvalId!, "deny", "not solved yet");
    const done = await ws.agent.getToolCall(pending.id, 5);
    expect(done).toMatchObject({ status: "denied", error: { code: "denied" } });
    expect(h.systems.count("helpdesk", "POST")).toBe(0);
  });

  it("blocks a DELETE by the class default, and an action outside the boundary", async () => {
    const run = await startRun();
    const del = await problemOf(ws.agent.callTool(run.id, "tracker.delete_issue", { id: "SUP-1" }));
    expect(del).toMatchObject({ status: 403, code: "blocked", callId: expect.stringMatching(/^call_/) });
    const outside = await problemOf(ws.agent.callTool(run.id, "billing.refund", { amount: 5 }));
    expect(outside).toMatchObject({ status: 403, code: "outside_boundary", rules: ["outside_boundary"] });
    expect(h.systems.count("tracker", "DELETE")).toBe(0);
  });

  it("lets a rule's condition relax a call, and another rule's block beat it", async () => {
    const run = await startRun();
    const relaxed = await ws.agent.callTool(run.id, "chat.post_message", { channel: "#support-triage", text: "hello" });
    expect(relaxed).toMatchObject({
      status: "succeeded",
      decision: "allow",
      rules: ["internal-support-channel-is-automatic"],
    });
    const gated = await ws.agent.callTool(run.id, "chat.post_message", { channel: "#general", text: "hello" });
    expect(gated.status).toBe("pending_approval");
    const sec = await problemOf(ws.agent.callTool(run.id, "tracker.create_issue", { project: "SEC", title: "x" }));
    expect(sec).toMatchObject({ code: "blocked", rules: ["never-touch-security-project"] });
  });

  it("refuses arguments that do not fit the input schema with 422 and names the field", async () => {
    const run = await startRun();
    const p = await problemOf(
      ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "x", priority: "urgent" }),
    );
    expect(p).toMatchObject({ status: 422, code: "invalid_arguments" });
    const missing = await problemOf(ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP" }));
    expect(JSON.stringify(missing.errors)).toContain("title");
  });

  // with a loop guard the reservation is a statement of its own; without one it rides with the call's row
  const guards = [
    ["with a loop guard", "guarded", (m: string) => m],
    ["without a loop guard", "unguarded", (m: string) => m.replace(/, maxRepeats: \d+/, "")],
  ] as const;

  it.each(guards)("stops a run at its tool-call budget with a typed stop reason, %s", async (_, name, guard) => {
    const small = guard(workflowYaml(h.systems.url))
      .replace(/toolCalls: 40/, "toolCalls: 3")
      .replace("name: support-triage", `name: tiny-budget-${name}`);
    expect(small.includes("maxRepeats")).toBe(name === "guarded");
    await ws.admin.putWorkflow("support", `tiny-budget-${name}`, small);
    const run = await ws.agent.startRun({ workspace: "support", workflow: `tiny-budget-${name}` });
    for (const id of ["T-1001", "T-1002", "T-1003"]) await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id });
    const over = await problemOf(ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1004" }));
    expect(over).toMatchObject({ status: 429, code: "budget_exceeded", stopReason: "tool_calls_exceeded" });
    expect(await ws.agent.getRun(run.id)).toMatchObject({
      status: "stopped",
      stopReason: "tool_calls_exceeded",
      usage: { toolCalls: 3 },
    });
    expect((await problemOf(ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" }))).code).toBe(
      "run_not_running",
    );
  });

  it.each(guards)("never overspends a budget under 50 parallel calls, %s", async (_, name, guard) => {
    const small = guard(workflowYaml(h.systems.url))
      .replace(/toolCalls: 40/, "toolCalls: 5")
      .replace("name: support-triage", `name: parallel-budget-${name}`);
    expect(small.includes("maxRepeats")).toBe(name === "guarded");
    await ws.admin.putWorkflow("support", `parallel-budget-${name}`, small);
    const run = await ws.agent.startRun({ workspace: "support", workflow: `parallel-budget-${name}` });
    const before = h.systems.count("tracker", "GET");
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => ws.agent.callTool(run.id, "tracker.search_issues", { q: `q${i}` })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    expect(h.systems.count("tracker", "GET") - before).toBe(5);
    expect((await ws.agent.getRun(run.id)).usage.toolCalls).toBe(5);
  });

  it("stops a looping agent: the same call more than maxRepeats times", async () => {
    const run = await startRun();
    for (let i = 0; i < 3; i++) await ws.agent.callTool(run.id, "tracker.search_issues", { q: "export" });
    const loop = await problemOf(ws.agent.callTool(run.id, "tracker.search_issues", { q: "export" }));
    expect(loop).toMatchObject({ status: 403, code: "loop_detected" });
    expect(await ws.agent.getRun(run.id)).toMatchObject({ status: "stopped", stopReason: "loop_detected" });
  });

  it("pins the workflow version a run started with", async () => {
    await ws.admin.putWorkflow(
      "support",
      "pinned",
      workflowYaml(h.systems.url).replace("name: support-triage", "name: pinned"),
    );
    const run = await ws.agent.startRun({ workspace: "support", workflow: "pinned" });
    const stricter = workflowYaml(h.systems.url)
      .replace("name: support-triage", "name: pinned")
      .replace("READ: allow", "READ: block");
    const v2 = await ws.admin.putWorkflow("support", "pinned", stricter);
    expect(v2.version).not.toBe(run.workflowVersion);
    expect((await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" })).status).toBe("succeeded");
    const later = await ws.agent.startRun({ workspace: "support", workflow: "pinned" });
    expect(later.workflowVersion).toBe(v2.version);
    expect((await problemOf(ws.agent.callTool(later.id, "helpdesk.get_ticket", { id: "T-1001" }))).code).toBe(
      "blocked",
    );
  });

  it("replays a call with the same idempotency key and refuses the key with other arguments", async () => {
    const run = await startRun();
    const first = await ws.agent.callTool(
      run.id,
      "chat.post_message",
      { channel: "#support-a", text: "once" },
      { idempotencyKey: "k1" },
    );
    const again = await ws.agent.callTool(
      run.id,
      "chat.post_message",
      { channel: "#support-a", text: "once" },
      { idempotencyKey: "k1" },
    );
    expect(again).toMatchObject({ id: first.id, replayed: true, status: "succeeded" });
    expect(h.systems.count("chat", "POST")).toBe(1);
    expect(
      (
        await problemOf(
          ws.agent.callTool(
            run.id,
            "chat.post_message",
            { channel: "#support-a", text: "other" },
            { idempotencyKey: "k1" },
          ),
        )
      ).status,
    ).toBe(422);
  });

  it("turns upstream failures into upstream_failed and marks a write that may have been received outcome_unknown", async () => {
    const run = await startRun();
    h.systems.setFaults({ system: "helpdesk", status: 500 });
    const failed = await problemOf(ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" }));
    expect(failed).toMatchObject({ status: 502, code: "upstream_failed", upstreamStatus: 500 });
    h.systems.clearFaults();

    const slow = workflowYaml(h.systems.url)
      .replace("name: support-triage", "name: short-timeout")
      .replace(/timeout: 10s/g, "timeout: 300ms");
    await ws.admin.putWorkflow("support", "short-timeout", slow);
    const run2 = await ws.agent.startRun({ workspace: "support", workflow: "short-timeout" });
    h.systems.setFaults({ system: "chat", timeout: true });
    const unknown = await problemOf(
      ws.agent.callTool(run2.id, "chat.post_message", { channel: "#support-x", text: "maybe" }),
    );
    expect(unknown).toMatchObject({ code: "upstream_failed", status: 502, callStatus: "outcome_unknown" });
    const call = await ws.agent.getToolCall(String(unknown.callId));
    expect(call.status).toBe("outcome_unknown");
    expect(h.systems.count("chat", "POST")).toBe(1);
  });
});

describe("the policy simulator", () => {
  it("answers what policy would decide, with the rules, without running anything", async () => {
    const before = h.systems.count();
    expect(
      await ws.admin.simulate("support", {
        workflow: "support-triage",
        tool: "tracker.create_issue",
        args: { project: "SEC", title: "x" },
      }),
    ).toMatchObject({
      decision: "block",
      class: "WRITE",
      rules: ["never-touch-security-project"],
    });
    expect(
      await ws.auditor.simulate("support", {
        workflow: "support-triage",
        tool: "chat.post_message",
        args: { channel: "#support-a", text: "x" },
      }),
    ).toMatchObject({
      decision: "allow",
      rules: ["internal-support-channel-is-automatic"],
    });
    expect(await ws.admin.simulate("support", { workflow: "support-triage", tool: "billing.refund" })).toMatchObject({
      decision: "block",
      class: null,
      rules: ["outside_boundary"],
    });
    const bad = await problemOf(
      ws.admin.simulate("support", {
        workflow: "support-triage",
        tool: "tracker.create_issue",
        args: { project: "SUP" },
      }),
    );
    expect(bad).toMatchObject({ status: 422, code: "invalid_arguments" });
    expect(JSON.stringify(bad.errors)).toContain("title");
    expect(h.systems.count()).toBe(before);
  });
});

describe("separation of duties on approvals", () => {
  it("refuses an agent key, and the key that asked", async () => {
    const run = await startRun();
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "needs a human" });
    expect((await problemOf(ws.agent.decide(pending.approvalId!, "approve"))).status).toBe(403);
    const adminRun = await ws.admin.startRun({ workspace: "support", workflow: "support-triage" });
    const own = await ws.admin.callTool(adminRun.id, "tracker.create_issue", { project: "SUP", title: "my own" });
    expect(await problemOf(ws.admin.decide(own.approvalId!, "approve"))).toMatchObject({
      status: 403,
      code: "forbidden",
    });
    expect((await ws.agent.getToolCall(pending.id)).status).toBe("pending_approval");
  });

  it("cancels pending approvals when the run finishes", async () => {
    const run = await startRun();
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "left behind" });
    await ws.agent.finishRun(run.id, "succeeded");
    expect((await ws.agent.getToolCall(pending.id)).status).toBe("cancelled");
    expect((await problemOf(ws.approver.decide(pending.approvalId!, "approve"))).code).toBe("conflict");
  });
});

describe("tenants", () => {
  it("never lets one tenant's key see or touch another tenant's run", async () => {
    const other = await h.workspace("globex", "globex-support");
    const run = await startRun();
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "acme only" });
    expect((await problemOf(other.auditor.getRun(run.id))).status).toBe(404);
    expect((await problemOf(other.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" }))).status).toBe(404);
    expect((await problemOf(other.approver.decide(pending.approvalId!, "approve"))).status).toBe(404);
    expect((await problemOf(other.auditor.timeline(run.id))).status).toBe(404);
    expect((await problemOf(other.auditor.auditEvents("support"))).status).toBe(404);
    expect((await problemOf(other.approver.listApprovals("support"))).status).toBe(404);
    expect((await problemOf(other.admin.putSecret("support", "x", "y"))).status).toBe(404);
  });

  it("refuses unknown and revoked keys with 401", async () => {
    expect(
      (await problemOf(ws.agent.withKey("tgk_nope").startRun({ workspace: "support", workflow: "support-triage" })))
        .status,
    ).toBe(401);
    const k = await ws.admin.createKey("support", "short-lived", "agent");
    const short = ws.agent.withKey(k.key);
    await short.startRun({ workspace: "support", workflow: "support-triage" });
    await ws.admin.revokeKey("support", k.id);
    expect((await problemOf(short.startRun({ workspace: "support", workflow: "support-triage" }))).status).toBe(401);
  });

  it("keeps roles to their jobs", async () => {
    expect((await problemOf(ws.auditor.startRun({ workspace: "support", workflow: "support-triage" }))).code).toBe(
      "forbidden",
    );
    expect((await problemOf(ws.agent.auditEvents("support"))).code).toBe("forbidden");
    expect((await problemOf(ws.agent.putWorkflow("support", "support-triage", workflowYaml(h.systems.url)))).code).toBe(
      "forbidden",
    );
    expect((await problemOf(ws.admin.createTenant("sneaky"))).code).toBe("forbidden");
  });
});
