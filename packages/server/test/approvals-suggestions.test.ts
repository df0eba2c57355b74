import { workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;

beforeAll(async () => {
  h = await startHarness({ tuning: { jobIntervalMs: 0 } });
  ws = await h.workspace("stark", "ops");
  const second = ws.approver.withKey((await ws.admin.createKey("ops", "second-approver", "approver")).key);
  const approvers = [ws.approver, second];
  const seed = async (
    tool: string,
    argsOf: (i: number) => Record<string, unknown>,
    verdicts: ("approve" | "deny")[],
  ) => {
    const run = await ws.agent.startRun({ workspace: "ops", workflow: "support-triage" });
    for (const [i, verdict] of verdicts.entries()) {
      const call = await ws.agent.callTool(run.id, tool, argsOf(i));
      await approvers[i % 2]!.decide(call.approvalId!, verdict, verdict === "deny" ? "not this one" : undefined);
      await ws.agent.waitForToolCall(call.id, 10);
    }
  };
  const five: ("approve" | "deny")[] = ["approve", "approve", "approve", "approve", "approve"];
  await seed("tracker.create_issue", (i) => ({ project: "SUP", title: `Seeded ${i}` }), five);
  await seed("helpdesk.close_ticket", (i) => ({ id: `T-10${i}`, resolution: "done" }), [...five, "deny"]);
  await seed("chat.post_message", (i) => ({ channel: "#general", text: `hello ${i}` }), ["approve", "approve"]);
});
afterAll(async () => h.close());

describe("policy suggestions from the approval record", () => {
  it("suggests a narrowed allow rule where every call was approved, and none where a denial argues against it", async () => {
    const s = await ws.admin.policySuggestions("ops", { workflow: "support-triage" });
    const by = Object.fromEntries(s.actions.map((a) => [a.tool, a]));
    expect(by["tracker.create_issue"]).toMatchObject({
      approved: 5,
      denied: 0,
      approvers: expect.arrayContaining([
        { name: "approver-stark", approved: 3, denied: 0 },
        { name: "second-approver", approved: 2, denied: 0 },
      ]),
      waitSeconds: { p50: expect.any(Number), max: expect.any(Number) },
      suggestion: { rule: { match: "tracker.create_issue", when: 'args.project == "SUP"', effect: "allow" } },
    });
    expect(by["helpdesk.close_ticket"]).toMatchObject({ approved: 5, denied: 1, suggestion: null });
    expect(by["helpdesk.close_ticket"]?.verdict).toContain("not this one");
    expect(by["chat.post_message"]).toMatchObject({ approved: 2, suggestion: null });
    expect((await ws.auditor.policySuggestions("ops")).actions).toHaveLength(3);
    expect((await problemOf(ws.agent.policySuggestions("ops"))).code).toBe("forbidden");
  });

  it("gives YAML that, pasted into the policy, allows exactly the case the record supports", async () => {
    const s = await ws.admin.policySuggestions("ops");
    const yaml = s.actions.find((a) => a.tool === "tracker.create_issue")?.suggestion?.yaml ?? "";
    const indented = yaml
      .trimEnd()
      .split("\n")
      .map((l) => `    ${l}`)
      .join("\n");
    const relaxed = workflowYaml(h.systems.url).replace("  rules:\n", `  rules:\n${indented}\n`);
    await ws.admin.putWorkflow("ops", "support-triage", relaxed);
    const run = await ws.agent.startRun({ workspace: "ops", workflow: "support-triage" });
    const sup = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "Now automatic" });
    expect(sup).toMatchObject({ status: "succeeded", decision: "allow" });
    const other = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "OPS", title: "Still asks" });
    expect(other.status).toBe("pending_approval");
    expect(
      (await problemOf(ws.agent.callTool(run.id, "tracker.create_issue", { project: "SEC", title: "x" }))).code,
    ).toBe("blocked");
  });
});
