import { workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;
let yaml: string;

beforeAll(async () => {
  h = await startHarness();
  ws = await h.workspace("cc", "ccws");
  yaml = workflowYaml(h.systems.url);
});
afterAll(async () => h.close());

const start = (extra: Record<string, unknown> = {}) =>
  ws.agent.startRun({ workspace: "ccws", workflow: "support-triage", agent: "cc-bot", ...extra });

describe("versions in every run", () => {
  it("pins the manifest, prompt (resolved from a label), tool and model versions, and finds runs by version", async () => {
    const v1 = await ws.admin.putPrompt("ccws", "triage", "You triage tickets. Be brief.", ["production"]);
    const v2 = await ws.admin.putPrompt("ccws", "triage", "You triage tickets. Be thorough.", ["staging"]);
    expect(v1.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(v2.version).not.toBe(v1.version);
    expect((await ws.agent.getPrompt("ccws", "triage", "production")).template).toBe("You triage tickets. Be brief.");
    expect((await problemOf(ws.agent.putPrompt("ccws", "triage", "x"))).code).toBe("forbidden");

    const wf = await ws.admin.getWorkflow("ccws", "support-triage");
    const prod = await start({ versions: { prompts: { triage: "production" }, model: "gpt-4o-mini" } });
    const staging = await start({ versions: { prompts: { triage: v2.version } } });
    expect(prod.versions).toEqual({
      workflow: wf.version,
      prompts: { triage: v1.version },
      tools: {},
      model: "gpt-4o-mini",
      release: null,
    });
    expect((await ws.auditor.getRun(staging.id)).versions.prompts).toEqual({ triage: v2.version });

    const byPrompt = await ws.auditor.listRuns("ccws", { promptVersion: v1.version });
    expect(byPrompt.items.map((r) => r.id)).toEqual([prod.id]);
    const byModel = await ws.auditor.listRuns("ccws", { model: "gpt-4o-mini" });
    expect(byModel.items.map((r) => r.id)).toEqual([prod.id]);
    const byWorkflow = await ws.auditor.listRuns("ccws", { workflowVersion: wf.version });
    expect(byWorkflow.items.map((r) => r.id)).toEqual(expect.arrayContaining([prod.id, staging.id]));

    // a label moves only through the API, and the move is on record
    await ws.admin.movePromptLabel("ccws", "triage", "production", v2.version);
    expect((await ws.agent.getPrompt("ccws", "triage", "production")).version).toBe(v2.version);
    const events = (await ws.auditor.auditEvents("ccws", undefined, 1000)).items;
    expect(events.find((e) => e.type === "prompt.label_moved" && e.data.previousVersion === v1.version)).toBeTruthy();

    expect((await problemOf(start({ versions: { prompts: { triage: "canary" } } }))).detail).toContain(
      "has no label canary",
    );
    expect((await problemOf(start({ versions: { workflow: "sha256:nope" } }))).code).toBe("not_found");
  });
});

describe("recording and policy replay", () => {
  let runId: string;

  beforeAll(async () => {
    const run = await start();
    runId = run.id;
    await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "Checkout 502" });
    await ws.agent.callTool(run.id, "chat.post_message", { channel: "#support-triage", text: "Triaged T-1001" });
    await ws.agent.callTool(run.id, "chat.post_message", {
      channel: "#support-triage",
      text: "Write to dana.whitfield@northwind-traders.example",
    });
    await problemOf(ws.agent.callTool(run.id, "tracker.delete_issue", { id: "SUP-1" }));
    await ws.agent.finishRun(run.id, "succeeded");
  });

  it("lists a run's recorded calls with decisions, rules and redacted arguments", async () => {
    const rec = await ws.auditor.runCalls(runId);
    expect(rec.toolCalls.map((c) => [c.tool, c.decision])).toEqual([
      ["helpdesk.get_ticket", "allow"],
      ["tracker.create_issue", "approve"],
      ["chat.post_message", "allow"],
      ["chat.post_message", "allow"],
      ["tracker.delete_issue", "block"],
    ]);
    expect(JSON.stringify(rec.toolCalls[3]?.args)).not.toContain("dana.whitfield");
    expect(rec.modelCalls).toEqual([]);
  });

  it("reports exactly the decisions a stricter candidate would change", async () => {
    const stricter = yaml.replace(
      "      effect: allow\n      reason: Posting to our own",
      "      effect: approve\n      reason: Posting to our own",
    );
    const r = await ws.admin.replay("ccws", "support-triage", { candidate: stricter, since: "1d" });
    const mine = r.changes.filter((c) => c.runId === runId);
    expect(mine.map((c) => [c.tool, c.from.decision, c.to.decision, c.direction])).toEqual([
      ["chat.post_message", "allow", "approve", "stricter"],
      ["chat.post_message", "allow", "approve", "stricter"],
    ]);
    expect(mine[0]?.from.rules).toEqual(["internal-support-channel-is-automatic"]);
    expect(mine[0]?.to.rules).toEqual(["internal-support-channel-is-automatic"]);
    // the second message's arguments were redacted: its new decision is flagged uncertain
    expect(mine.map((c) => c.uncertain)).toEqual([false, true]);
    expect(r.summary["allow → approve"]).toBeGreaterThanOrEqual(2);
  });

  it("reports exactly the decisions a looser candidate would change, and nothing runs", async () => {
    const posts = h.systems.count("tracker", "POST");
    const looser = yaml.replace("WRITE: approve, DELETE: block", "WRITE: allow, DELETE: approve");
    const r = await ws.admin.replay("ccws", "support-triage", { candidate: looser });
    const mine = r.changes.filter((c) => c.runId === runId);
    expect(mine.map((c) => [c.tool, `${c.from.decision} → ${c.to.decision}`, c.direction])).toEqual([
      ["tracker.create_issue", "approve → allow", "looser"],
      ["tracker.delete_issue", "block → approve", "looser"],
    ]);
    expect(h.systems.count("tracker", "POST")).toBe(posts);
  });

  it("refuses a candidate that is not a valid manifest of this workflow, and agents", async () => {
    const bad = await problemOf(ws.admin.replay("ccws", "support-triage", { candidate: "name: [" }));
    expect(bad.code).toBe("invalid_manifest");
    const other = await problemOf(
      ws.admin.replay("ccws", "support-triage", { candidate: yaml.replace("name: support-triage", "name: other") }),
    );
    expect(other.detail).toContain("not support-triage");
    expect((await problemOf(ws.agent.replay("ccws", "support-triage", { candidate: yaml }))).code).toBe("forbidden");
  });
});

describe("simulated runs", () => {
  it("answers allowed calls with the scripted responses and never calls the real systems", async () => {
    const before = h.systems.count();
    const run = await start({
      simulation: {
        responses: {
          "helpdesk.get_ticket": [
            { when: { id: "T-9" }, result: { id: "T-9", subject: "scripted" } },
            { error: "helpdesk is down" },
          ],
        },
      },
    });
    expect(run.simulated).toBe(true);
    const ok = await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-9" });
    expect(ok.result).toEqual({ id: "T-9", subject: "scripted" });
    expect((await problemOf(ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1" }))).detail).toBe(
      "helpdesk is down",
    );
    expect((await problemOf(ws.agent.callTool(run.id, "helpdesk.list_tickets", {}))).detail).toContain(
      "no scripted response for helpdesk.list_tickets",
    );
    expect(h.systems.count()).toBe(before);
  });

  it("answers an approved write of a simulated run from the script too", async () => {
    const before = h.systems.count();
    const run = await start({
      simulation: { responses: { "tracker.create_issue": { result: { key: "SUP-SIM" } } } },
    });
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "simulated" });
    expect(pending.status).toBe("pending_approval");
    await ws.approver.decide(pending.approvalId ?? "", "approve", "fine in a simulation");
    const done = await ws.agent.waitForToolCall(pending.id, 20);
    expect(done).toMatchObject({ status: "succeeded", result: { key: "SUP-SIM" } });
    expect(h.systems.count()).toBe(before);
  });
});

describe("releases and their gate", () => {
  const suite = `suite: smoke
workflow: support-triage
cases:
  - name: reads a ticket
    responses:
      helpdesk.get_ticket: { result: { id: T-1, subject: hi } }
    expect:
      status: succeeded
      calls: [{ tool: helpdesk.get_ticket, decision: allow }]
      notCalled: [tracker.delete_issue]
`;

  async function evalRun(releaseId: string) {
    const run = await start({
      release: releaseId,
      simulation: { responses: { "helpdesk.get_ticket": { result: { id: "T-1", subject: "hi" } } } },
    });
    await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1" });
    await ws.agent.finishRun(run.id, "succeeded");
    return run.id;
  }
  const report = (runId: string) => ({
    suite: "smoke",
    workflow: "support-triage",
    cases: [{ name: "reads a ticket", runId }],
  });

  it("refuses activation without a passing report, allows it with one, records an override, rolls back", async () => {
    const p1 = await ws.admin.putPrompt("ccws", "reply", "Reply politely.");
    const first = await ws.admin.createRelease("ccws", {
      workflow: "support-triage",
      prompts: { reply: p1.version },
      model: "model-a",
    });
    const refused = await problemOf(ws.admin.activateRelease("ccws", first.id));
    expect(refused).toMatchObject({ status: 409, code: "release_not_evaluated" });

    // a report whose run is not a simulated run of this release does not pass
    const realRun = await start();
    await ws.agent.finishRun(realRun.id, "succeeded");
    const fake = await ws.agent.uploadEvalReport("ccws", first.id, suite, report(realRun.id));
    expect(fake.passed).toBe(false);
    expect(fake.failures.join()).toContain("was not a simulated run");
    expect((await problemOf(ws.admin.activateRelease("ccws", first.id))).code).toBe("release_not_evaluated");

    const receipt = await ws.agent.uploadEvalReport("ccws", first.id, suite, report(await evalRun(first.id)));
    expect(receipt).toMatchObject({ passed: true, failures: [] });
    expect(receipt.reportHash).toMatch(/^sha256:/);
    expect((await problemOf(ws.agent.activateRelease("ccws", first.id))).code).toBe("forbidden");
    const activated = await ws.admin.activateRelease("ccws", first.id);
    expect(activated.activation).toMatchObject({ kind: "activate", evalReportId: receipt.id });

    // runs that name no versions now take the active release's
    const r1 = await start();
    expect(r1.versions).toMatchObject({ prompts: { reply: p1.version }, model: "model-a", release: first.id });

    const p2 = await ws.admin.putPrompt("ccws", "reply", "Reply politely and briefly.");
    const second = await ws.admin.createRelease("ccws", {
      workflow: "support-triage",
      prompts: { reply: p2.version },
      model: "model-b",
    });
    expect((await problemOf(ws.admin.activateRelease("ccws", second.id, { reason: "short" }))).code).toBe(
      "invalid_request",
    );
    const forced = await ws.admin.activateRelease("ccws", second.id, {
      reason: "hotfix for incident INC-42, evals follow",
    });
    expect(forced.activation).toMatchObject({
      kind: "override",
      overrideReason: "hotfix for incident INC-42, evals follow",
    });
    expect(forced.previousReleaseId).toBe(first.id);
    expect((await start()).versions.model).toBe("model-b");

    const back = await ws.admin.rollbackRelease("ccws", "support-triage");
    expect(back).toMatchObject({ releaseId: first.id, previousReleaseId: second.id });
    expect((await ws.auditor.activeRelease("ccws", "support-triage")).id).toBe(first.id);
    expect((await start()).versions).toMatchObject({ prompts: { reply: p1.version }, model: "model-a" });
    expect((await problemOf(ws.admin.rollbackRelease("ccws", "support-triage"))).code).toBe("conflict");

    const events = (await ws.auditor.auditEvents("ccws", undefined, 1000)).items;
    const types = events.filter((e) => e.type.startsWith("release.")).map((e) => [e.type, e.data.kind ?? null]);
    expect(types).toEqual([
      ["release.created", null],
      ["release.eval_reported", null],
      ["release.eval_reported", null],
      ["release.activated", "activate"],
      ["release.created", null],
      ["release.activated", "override"],
      ["release.rolled_back", "rollback"],
    ]);
    expect(events.find((e) => e.data.kind === "override")?.data.overrideReason).toBe(
      "hotfix for incident INC-42, evals follow",
    );
  });

  it("keeps releases to their workspace", async () => {
    const other = await h.workspace("cc2", "ccws2");
    const [any] = (await ws.admin.listReleases("ccws")).items;
    expect((await problemOf(other.admin.getRelease("ccws2", any?.id ?? ""))).code).toBe("not_found");
    expect((await problemOf(other.admin.getRelease("ccws", any?.id ?? ""))).code).toBe("not_found");
  });
});
