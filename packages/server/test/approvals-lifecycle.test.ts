import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock, variantWorkflow } from "./approvals-support.js";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;
const clock = new ManualClock();
const minute = 60_000;

beforeAll(async () => {
  // no timer: every tick of the background jobs in this file is an explicit runOnce()
  h = await startHarness({ clock, tuning: { jobIntervalMs: 0, limits: { maxPendingApprovalsPerRun: 3 } } });
  ws = await h.workspace("umbrella", "ops");
  const url = h.systems.url;
  await ws.admin.putWorkflow("ops", "short", variantWorkflow(url, "short", "{ timeout: 2m, onTimeout: deny }"));
  await ws.admin.putWorkflow(
    "ops",
    "escalating",
    variantWorkflow(
      url,
      "escalating",
      "{ timeout: 2m, onTimeout: escalate, approvers: [role:approver], escalateTo: [role:admin] }",
    ),
  );
  await ws.admin.putWorkflow(
    "ops",
    "two-person",
    variantWorkflow(url, "two-person", "{ timeout: 1h }", [
      "- name: closing-needs-two",
      "  match: helpdesk.close_ticket",
      "  effect: approve",
      "  approvals: { required: 2 }",
    ]),
  );
});
afterAll(async () => h.close());

const jobs = () => h.server.tollgate.services.jobs.runOnce();
const run = (workflow = "support-triage") => ws.agent.startRun({ workspace: "ops", workflow });
const anotherApprover = async () =>
  ws.approver.withKey((await ws.admin.createKey("ops", `second-${Date.now()}`, "approver")).key);

describe("lifecycle", () => {
  it("a call made with wait answers once the approver decided, within the wait", async () => {
    const r = await run();
    const answer = ws.agent.callTool(
      r.id,
      "tracker.create_issue",
      { project: "SUP", title: "Waited for" },
      { wait: 30 },
    );
    let approvalId: string | undefined;
    for (let i = 0; i < 200 && !approvalId; i++) {
      approvalId = (await ws.approver.listApprovals("ops")).items.find((a) => a.runId === r.id)?.id;
      if (!approvalId) await new Promise((res) => setTimeout(res, 25));
    }
    await ws.approver.decide(approvalId!, "approve", "fine");
    expect(await answer).toMatchObject({ status: "succeeded" });
  });

  it("expires an approval nobody decided, while nobody is looking, and wakes the waiting agent", async () => {
    const r = await run("short");
    const pending = await ws.agent.callTool(r.id, "tracker.create_issue", { project: "SUP", title: "Too slow" });
    const waiting = ws.agent.getToolCall(pending.id, 30);
    clock.advance(1 * minute);
    await jobs();
    expect((await ws.agent.getToolCall(pending.id)).status).toBe("pending_approval");
    clock.advance(2 * minute);
    await jobs();
    expect(await waiting).toMatchObject({ status: "expired", error: { code: "expired" } });
    expect(await problemOf(ws.approver.decide(pending.approvalId!, "approve"))).toMatchObject({
      code: "conflict",
      status: 409,
    });
    expect(h.systems.requests({ system: "tracker", method: "POST" }).map((x) => JSON.stringify(x.body))).not.toContain(
      expect.stringContaining("Too slow"),
    );
    const t = await ws.auditor.timeline(r.id);
    expect(t.entries.map((e) => e.type)).toContain("approval.expired");
  });

  it("escalates on timeout to the second group, which can still decide; then expires", async () => {
    const r = await run("escalating");
    const first = await ws.agent.callTool(r.id, "tracker.create_issue", { project: "SUP", title: "Escalate me" });
    const second = await ws.agent.callTool(r.id, "tracker.create_issue", { project: "SUP", title: "Nobody" });
    // addressed to role:approver: an admin key may not decide it until it escalates to role:admin
    expect(await problemOf(ws.admin.decide(first.approvalId!, "approve"))).toMatchObject({
      status: 403,
      code: "forbidden",
      detail: expect.stringMatching(/is for role:approver \(role:admin once it escalates\); a key with role admin/),
    });
    clock.advance(3 * minute);
    await jobs();
    const shown = await ws.approver.getApproval(first.approvalId!);
    expect(shown).toMatchObject({ status: "pending", escalateTo: ["role:admin"], escalatedAt: expect.any(String) });
    await ws.admin.decide(first.approvalId!, "approve", "escalated to me; fine");
    expect((await ws.agent.waitForToolCall(first.id, 10)).status).toBe("succeeded");
    clock.advance(3 * minute);
    await jobs();
    expect((await ws.agent.getToolCall(second.id)).status).toBe("expired");
    const types = (await ws.auditor.timeline(r.id)).entries.map((e) => e.type);
    expect(types.filter((t) => t === "approval.escalated")).toHaveLength(2);
    expect(types).toContain("approval.expired");
  });

  it("refuses an escalation policy without a group to escalate to", async () => {
    const bad = variantWorkflow(h.systems.url, "bad-escalation", "{ timeout: 2m, onTimeout: escalate }");
    const p = await problemOf(ws.admin.putWorkflow("ops", "bad-escalation", bad));
    expect(p).toMatchObject({ code: "invalid_manifest" });
    expect(JSON.stringify(p.errors)).toContain("approvals.escalateTo");
  });
});

describe("separation of duties and the record", () => {
  it("runs a two-approver call only after the second distinct approval, and records each", async () => {
    const r = await run("two-person");
    const before = h.systems.count("helpdesk", "POST");
    const pending = await ws.agent.callTool(r.id, "helpdesk.close_ticket", { id: "T-1001", resolution: "fixed" });
    const first = await ws.approver.decide(pending.approvalId!, "approve", "looks right");
    expect(first).toMatchObject({ status: "pending", approvals: { count: 1, required: 2 } });
    expect(await problemOf(ws.approver.decide(pending.approvalId!, "approve"))).toMatchObject({ code: "conflict" });
    expect((await ws.agent.getToolCall(pending.id)).status).toBe("pending_approval");
    expect(h.systems.count("helpdesk", "POST")).toBe(before);

    const second = await anotherApprover();
    const waiting = ws.agent.getToolCall(pending.id, 30);
    expect(await second.decide(pending.approvalId!, "approve", "agreed", "cli")).toMatchObject({
      status: "approved",
      approvals: { count: 2, required: 2 },
    });
    expect((await waiting).status).toBe("succeeded");
    expect(h.systems.count("helpdesk", "POST")).toBe(before + 1);

    const detail = await ws.auditor.getApproval(pending.approvalId!);
    expect(detail.decisions).toHaveLength(2);
    expect(detail.decisions[0]).toMatchObject({
      name: "approver-umbrella",
      decision: "approve",
      reason: "looks right",
      channel: "api",
      shown: {
        tool: "helpdesk.close_ticket",
        args: { id: "T-1001", resolution: "fixed" },
        rules: ["closing-needs-two"],
      },
    });
    expect(detail.decisions[1]).toMatchObject({ channel: "cli", reason: "agreed" });
    const text = (await ws.auditor.timeline(r.id)).entries.map((e) => e.summary).join("\n");
    expect(text).toContain("from 2 distinct approvers");
    expect(text).toContain("1 of 2 approvals; waiting for another approver");
    const audited = [];
    for await (const e of ws.auditor.allAuditEvents("ops")) if (e.call === pending.id) audited.push(e);
    const decided = audited.filter((e) => e.type === "approval.decided");
    expect(decided.map((e) => (e.data.approver as { keyId: string }).keyId)).toHaveLength(2);
    expect(decided[1]?.data).toMatchObject({ channel: "cli", shown: { rules: ["closing-needs-two"] } });
  });

  it("lets one denial deny a two-approver call", async () => {
    const r = await run("two-person");
    const pending = await ws.agent.callTool(r.id, "helpdesk.close_ticket", { id: "T-1002" });
    await ws.approver.decide(pending.approvalId!, "approve");
    await (await anotherApprover()).decide(pending.approvalId!, "deny", "customer still waiting");
    expect(await ws.agent.getToolCall(pending.id)).toMatchObject({ status: "denied", error: { code: "denied" } });
  });

  it("refuses the agent, the key that started the run, and a reused approval", async () => {
    const r = await run();
    const pending = await ws.agent.callTool(r.id, "tracker.create_issue", { project: "SUP", title: "Self" });
    expect(await problemOf(ws.agent.decide(pending.approvalId!, "approve"))).toMatchObject({ status: 403 });
    const own = await ws.admin.startRun({ workspace: "ops", workflow: "support-triage" });
    const mine = await ws.admin.callTool(own.id, "tracker.create_issue", { project: "SUP", title: "Mine" });
    expect(await problemOf(ws.admin.decide(mine.approvalId!, "approve"))).toMatchObject({ code: "forbidden" });
    expect(await problemOf(ws.approver.decide(pending.approvalId!, "approve", undefined, "chat"))).toMatchObject({
      code: "invalid_request",
    });
    await ws.approver.decide(pending.approvalId!, "approve");
    await ws.agent.waitForToolCall(pending.id, 10);
    expect(await problemOf(ws.approver.decide(pending.approvalId!, "approve"))).toMatchObject({ code: "conflict" });
    expect(
      h.systems
        .requests({ system: "tracker", method: "POST" })
        .filter((x) => JSON.stringify(x.body).includes('"Self"')),
    ).toHaveLength(1);
  });

  it("refuses an approval whose call's arguments were changed after it was asked for", async () => {
    const r = await run();
    const pending = await ws.agent.callTool(r.id, "tracker.create_issue", { project: "SUP", title: "Original" });
    const store = h.server.tollgate.services.store;
    await store.db
      .updateTable("tool_calls")
      .set({ args_hash: "0".repeat(64) })
      .where("id", "=", pending.id)
      .execute();
    expect(await problemOf(ws.approver.decide(pending.approvalId!, "approve"))).toMatchObject({
      code: "conflict",
      detail: expect.stringContaining("arguments do not match"),
    });
  });
});

describe("flood control", () => {
  it("answers 429 approvals_flooded past the per-run cap, and raises an alert", async () => {
    const r = await run();
    for (let i = 0; i < 3; i++)
      await ws.agent.callTool(r.id, "tracker.create_issue", { project: "SUP", title: `Flood ${i}` });
    const p = await problemOf(ws.agent.callTool(r.id, "tracker.create_issue", { project: "SUP", title: "One more" }));
    expect(p).toMatchObject({ status: 429, code: "approvals_flooded", scope: "run", cap: 3 });
    // reads still run; the refused call cost no budget
    expect((await ws.agent.callTool(r.id, "helpdesk.get_ticket", { id: "T-1001" })).status).toBe("succeeded");
    expect((await ws.agent.getRun(r.id)).usage.toolCalls).toBe(4);
    const types = (await ws.auditor.timeline(r.id)).entries.map((e) => e.type);
    expect(types).toContain("approval.flooded");
    expect(types).toContain("alert.raised");
    expect((await ws.approver.listApprovals("ops")).items.filter((a) => a.runId === r.id)).toHaveLength(3);
    await h.server.tollgate.services.alerts.idle();
    const alerts = await ws.auditor.request<{ items: { kind: string; runId: string }[] }>(
      "GET",
      "/v1/alerts?workspace=ops",
    );
    expect(alerts.body.items).toContainEqual(expect.objectContaining({ kind: "approvals_flooded", runId: r.id }));
  });
});
