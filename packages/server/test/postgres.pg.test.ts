import { startFakeModel, workflowYaml } from "@tollgate/example-support-triage";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "./test-database.js";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";
import { useFakeProvider } from "./model-support.js";

const pgUrl = process.env.TOLLGATE_TEST_DATABASE_URL;

/** The same server, on PostgreSQL: a database of its own, dropped afterwards. */
describe.skipIf(!pgUrl)("the governed call on PostgreSQL", () => {
  let h: Harness;
  let ws: Workspace;
  let db: Awaited<ReturnType<typeof testDatabase>> | undefined;

  beforeAll(async () => {
    db = await testDatabase("it");
    h = await startHarness({ databaseUrl: db.url, databaseRole: db.role });
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

  it("proxies model calls: charges the run and the workspace's day and month, stops at a spend cap", async () => {
    const model = await startFakeModel();
    try {
      await useFakeProvider(ws, model);
      const key = (await h.operator.createKey("pgws", "pg-model-agent", "agent")).key;
      const run = await ws.agent.startRun({ workspace: "pgws", workflow: "support-triage" });
      const openai = new OpenAI({ baseURL: ws.agent.openaiBaseUrl(run.id), apiKey: key, maxRetries: 0 });
      const ticket = [{ role: "user" as const, content: "Summarise: the CSV export is missing the totals column." }];
      let text = "";
      const stream = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: ticket, stream: true });
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toMatch(/^Triage:/);
      await openai.chat.completions.create({ model: "gpt-4o-mini", messages: ticket, max_tokens: 50 });
      const charged = await ws.agent.getRun(run.id);
      expect(charged.usage.modelCalls).toBe(2);
      expect(charged.usage.costUsd).toBeGreaterThan(0);
      const { totals } = await ws.auditor.usage("pgws");
      expect(totals.modelCalls).toBe(2);
      expect(totals.costUsd).toBeCloseTo(charged.usage.costUsd, 12);
      // a monthly cap the next call fits alone but not after what the month holds: the month's row
      // carries both settled calls, and the call is refused before the provider is asked
      await ws.admin.putSpendCaps("pgws", { monthlyUsd: charged.usage.costUsd + 1e-6 });
      const before = model.requests().length;
      const refused = await openai.chat.completions
        .create({ model: "gpt-4o-mini", messages: ticket, max_tokens: 1 })
        .catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
      expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe("budget_exceeded");
      expect(model.requests()).toHaveLength(before);
      expect(await ws.agent.getRun(run.id)).toMatchObject({
        status: "stopped",
        stopReason: "workspace_monthly_spend_exceeded",
        usage: { modelCalls: 2 },
      });
      expect(await ws.auditor.verifyAudit("pgws")).toMatchObject({ ok: true });
    } finally {
      await model.close();
    }
  });
});
