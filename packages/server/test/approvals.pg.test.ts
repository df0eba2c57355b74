import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock, variantWorkflow } from "./approvals-support.js";
import { testDatabase } from "./test-database.js";
import { type Harness, startHarness, type Workspace } from "./harness.js";

const pgUrl = process.env.TOLLGATE_TEST_DATABASE_URL;

/** Approvals on PostgreSQL: concurrent approvers, and expiry by the job. */
describe.skipIf(!pgUrl)("approvals on PostgreSQL", () => {
  let h: Harness;
  let ws: Workspace;
  const clock = new ManualClock();
  let db: Awaited<ReturnType<typeof testDatabase>> | undefined;

  beforeAll(async () => {
    db = await testDatabase("apr");
    h = await startHarness({ databaseUrl: db.url, databaseRole: db.role, clock, tuning: { jobIntervalMs: 0 } });
    ws = await h.workspace("pgapr", "pgapr");
    await ws.admin.putWorkflow(
      "pgapr",
      "three",
      variantWorkflow(h.systems.url, "three", "{ timeout: 10m, required: 3 }"),
    );
  });
  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  it("counts three approvers deciding at once exactly, runs the call once, and expires another by the job", async () => {
    const keys = await Promise.all(
      [1, 2, 3].map(async (i) =>
        ws.approver.withKey((await ws.admin.createKey("pgapr", `approver-${i}`, "approver")).key),
      ),
    );
    const run = await ws.agent.startRun({ workspace: "pgapr", workflow: "three" });
    const call = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "Three at once" });
    const late = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "Never decided" });
    const answers = await Promise.all(keys.map((k) => k.decide(call.approvalId!, "approve")));
    expect(answers.map((a) => a.status).sort()).toEqual(["approved", "pending", "pending"]);
    expect((await ws.agent.waitForToolCall(call.id, 10)).status).toBe("succeeded");
    expect(
      h.systems
        .requests({ system: "tracker", method: "POST" })
        .filter((r) => JSON.stringify(r.body).includes("Three at once")),
    ).toHaveLength(1);
    clock.advance(11 * 60_000);
    await h.server.tollgate.services.jobs.runOnce();
    expect((await ws.agent.getToolCall(late.id)).status).toBe("expired");
  });
});
