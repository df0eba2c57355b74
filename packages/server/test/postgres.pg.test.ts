import { workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "./test-database.js";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

const pgUrl = process.env.TOLLGATE_TEST_DATABASE_URL;

/** The same server, on PostgreSQL: a database of its own, dropped afterwards. */
describe.skipIf(!pgUrl)("the governed call on PostgreSQL", () => {
  let h: Harness;
  let ws: Workspace;
  let db: { url: string; drop(): Promise<void> } | undefined;

  beforeAll(async () => {
    db = await testDatabase("it");
    h = await startHarness({ databaseUrl: db.url });
    ws = await h.workspace("pgco", "pgws");
  });
  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  it("runs, gates, approves and records calls", async () => {
    const run = await ws.agent.startRun({ workspace: "pgws", workflow: "support-triage" });
    expect((await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" })).status).toBe("succeeded");
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "on postgres" });
    await ws.approver.decide(pending.approvalId!, "approve");
    expect((await ws.agent.waitForToolCall(pending.id, 10)).status).toBe("succeeded");
    expect((await problemOf(ws.agent.callTool(run.id, "tracker.delete_issue", { id: "SUP-1" }))).code).toBe("blocked");
    expect(await ws.auditor.verifyAudit("pgws")).toMatchObject({ ok: true });
  });

  // with a loop guard the reservation is a statement of its own; without one it rides in the call row's INSERT
  it.each([
    ["with a loop guard", "guarded", (m: string) => m],
    ["without a loop guard", "unguarded", (m: string) => m.replace(/, maxRepeats: \d+/, "")],
  ] as const)("never overspends a budget under parallel calls, %s", async (_, name, guard) => {
    const small = guard(workflowYaml(h.systems.url))
      .replace(/toolCalls: 40/, "toolCalls: 4")
      .replace("name: support-triage", `name: pg-budget-${name}`);
    expect(small.includes("maxRepeats")).toBe(name === "guarded");
    await ws.admin.putWorkflow("pgws", `pg-budget-${name}`, small);
    const run = await ws.agent.startRun({ workspace: "pgws", workflow: `pg-budget-${name}` });
    const before = h.systems.count("tracker", "GET");
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => ws.agent.callTool(run.id, "tracker.search_issues", { q: `p${i}` })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
    expect(h.systems.count("tracker", "GET") - before).toBe(4);
    expect(await ws.auditor.verifyAudit("pgws")).toMatchObject({ ok: true });
  });
});
