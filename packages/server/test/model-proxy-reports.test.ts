import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type FakeModelProvider, startFakeModel } from "@tollgate/example-support-triage";
import type { Alert } from "@tollgate/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook } from "../src/notifications/signature.js";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";
import { anthropicRequest, useFakeProvider, workflowVariant } from "./model-support.js";

let h: Harness;
let model: FakeModelProvider;

beforeAll(async () => {
  h = await startHarness();
  model = await startFakeModel();
});
afterAll(async () => {
  await h.close();
  await model.close();
});

/** A tenant and workspace wired to the fake provider, with its own agent key for the openai client. */
async function workspace(tenant: string, id: string): Promise<Workspace & { key: string }> {
  const ws = await h.workspace(tenant, id);
  await useFakeProvider(ws, model);
  return { ...ws, key: (await h.operator.createKey(id, `${id}-agent`, "agent")).key };
}

const chat = (
  ws: { agent: { openaiBaseUrl(id: string): string }; key: string },
  runId: string,
  content: string,
  extra = {},
) =>
  new OpenAI({ baseURL: ws.agent.openaiBaseUrl(runId), apiKey: ws.key, maxRetries: 0 }).chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content }],
    ...extra,
  });

/** The error code an openai client call was refused with. */
const refusedWith = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected the call to be refused");
    },
    (e: unknown) => (e as InstanceType<typeof OpenAI.APIError>).code,
  );

const settled = () => h.server.tollgate.services.models.watcher.idle();
const alertsOf = async (ws: Workspace, kind?: string): Promise<Alert[]> => {
  await settled();
  return (await ws.approver.listAlerts(ws.workspace, kind ? { kind } : {})).items;
};

describe("usage", () => {
  it("sums model calls, tokens, cost, tool calls by class, approvals and blocks, by model, workflow, agent and day", async () => {
    const ws = await workspace("usage-co", "metrics");
    const run = await ws.agent.startRun({ workspace: "metrics", workflow: "support-triage", agent: "triage-bot" });
    const a = await chat(ws, run.id, "Summarise ticket T-1001");
    const b = await chat(ws, run.id, "Summarise ticket T-1002");
    const res = await anthropicRequest(h.url, run.id, ws.key, {
      model: "claude-sonnet-4",
      max_tokens: 100,
      messages: [{ role: "user", content: "Summarise ticket T-1003" }],
    });
    const c = (await res.json()) as { usage: { input_tokens: number; output_tokens: number } };
    await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    await problemOf(ws.agent.callTool(run.id, "tracker.delete_issue", { id: "SUP-1" }));
    await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "Totals column missing" });

    const byModel = await ws.auditor.usage("metrics", { groupBy: "model" });
    const group = (key: string) => byModel.groups.find((g) => g.key === key);
    expect(group("gpt-4o-mini")).toMatchObject({
      modelCalls: 2,
      inputTokens: a.usage!.prompt_tokens + b.usage!.prompt_tokens,
      outputTokens: a.usage!.completion_tokens + b.usage!.completion_tokens,
    });
    expect(group("claude-sonnet-4")).toMatchObject({
      modelCalls: 1,
      inputTokens: c.usage.input_tokens,
      outputTokens: c.usage.output_tokens,
    });
    expect(group("(tools)")?.toolCalls).toEqual({
      total: 3,
      byClass: { READ: 1, DELETE: 1, WRITE: 1 },
      blocked: 1,
      failed: 0,
    });
    expect(group("(tools)")?.approvals).toEqual({ total: 1, byStatus: { pending: 1 } });
    const runCost = (await ws.agent.getRun(run.id)).usage.costUsd;
    expect(byModel.totals.costUsd).toBeCloseTo(runCost, 6);
    expect(byModel.totals.modelCalls).toBe(3);

    for (const groupBy of ["workflow", "agent", "day"] as const) {
      const u = await ws.auditor.usage("metrics", { groupBy });
      expect(u.groups).toHaveLength(1);
      expect(u.groups[0]).toMatchObject({ modelCalls: 3, toolCalls: { total: 3, blocked: 1 } });
    }
    expect((await ws.auditor.usage("metrics", { groupBy: "agent" })).groups[0]?.key).toBe("triage-bot");
    const empty = await ws.auditor.usage("metrics", { from: "2020-01-01T00:00:00Z", to: "2020-02-01T00:00:00Z" });
    expect(empty.totals.modelCalls).toBe(0);
    expect((await problemOf(ws.auditor.usage("metrics", { from: "yesterday" }))).detail).toContain("from");
    expect((await problemOf(ws.agent.usage("metrics"))).code).toBe("forbidden");
  });
});

describe("the data-flow register", () => {
  it("shows declared next to observed, and warns where observed goes beyond declared", async () => {
    const ws = await workspace("flows-co", "flows");
    const run = await ws.agent.startRun({ workspace: "flows", workflow: "support-triage" });
    // the manifest redacts e-mail addresses but does not declare them; it does not redact phone numbers
    await chat(ws, run.id, "Customer jane.doe@example.com called from +1 415 555 0100 about the export");
    await anthropicRequest(h.url, run.id, ws.key, {
      model: "claude-sonnet-4",
      max_tokens: 50,
      messages: [{ role: "user", content: "hello" }],
    });
    const register = await ws.auditor.dataFlows("flows");
    const openai = register.items.find((i) => i.provider === "openai");
    expect(openai).toMatchObject({
      workflow: "support-triage",
      declared: {
        purpose: "Summarise the ticket to choose a tracker component",
        sends: ["ticket.subject", "ticket.body"],
      },
      observed: { calls: 1, kindsReplaced: ["pii.email"], kindsSent: ["pii.phone"] },
    });
    expect(openai?.observed?.promptChars).toBeGreaterThan(40);
    expect(openai?.warnings.join("\n")).toMatch(/carried pii\.phone/);
    expect(openai?.warnings.join("\n")).toMatch(/pii\.email.*replaced before sending/);
    const anthropic = register.items.find((i) => i.provider === "anthropic");
    expect(anthropic).toMatchObject({ declared: null, observed: { calls: 1 } });
    expect(anthropic?.warnings[0]).toContain("declares no such flow");

    const md = await ws.auditor.dataFlowsMarkdown("flows");
    expect(md).toContain("# Data-flow register: workspace flows");
    expect(md).toContain("| support-triage | openai | Summarise the ticket to choose a tracker component |");
    expect(md).toContain("## Warnings");
    expect(md).toContain("carried pii.phone");
    expect((await problemOf(ws.agent.dataFlows("flows"))).code).toBe("forbidden");
  });
});

describe("alerts", () => {
  it("raises 80% and 100% of a run's model-call budget once each, and lets an approver acknowledge", async () => {
    const ws = await workspace("alerts-co", "alerts");
    await ws.admin.putWorkflow("alerts", "five", workflowVariant(h, "five", "{ modelCalls: 5, costUsd: 5 }"));
    const run = await ws.agent.startRun({ workspace: "alerts", workflow: "five" });
    for (let i = 0; i < 5; i++) await chat(ws, run.id, `ticket ${i}`);
    expect(await refusedWith(chat(ws, run.id, "one more"))).toBe("budget_exceeded");
    const budget = (await alertsOf(ws, "budget_threshold")).filter((a) => a.data.budget === "modelCalls");
    expect(budget.map((a) => [a.data.level, a.severity]).sort()).toEqual([
      [100, "critical"],
      [80, "warning"],
    ]);
    expect(budget.every((a) => a.runId === run.id && a.delivery === "stored")).toBe(true);

    const alert = budget[0]!;
    const acked = await ws.approver.acknowledgeAlert(alert.id);
    expect(acked).toMatchObject({ id: alert.id, acknowledgedBy: expect.stringMatching(/^key_/) });
    expect((await problemOf(ws.approver.acknowledgeAlert(alert.id))).code).toBe("conflict");
    expect((await problemOf(ws.agent.acknowledgeAlert(alert.id))).code).toBe("forbidden");
    const other = await h.workspace("other-co", "elsewhere");
    expect((await problemOf(other.approver.acknowledgeAlert(alert.id))).status).toBe(404);
    expect((await problemOf(other.approver.listAlerts("alerts"))).status).toBe(404);
    expect((await ws.approver.listAlerts("alerts", { acknowledged: true })).items.map((a) => a.id)).toEqual([alert.id]);
    const types = (await ws.auditor.timeline(run.id)).entries.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["alert.raised", "alert.acknowledged"]));
  });

  it("raises the workspace's spend cap at 80%, and at 100% when a call no longer fits", async () => {
    const ws = await workspace("spend-co", "spend");
    // output-only prices: a call reserves 18 tokens' worth and costs 17 (the fake's answer)
    await ws.admin.putModelPrices("spend", { "gpt-4o-mini": { inputPerMTok: 0, outputPerMTok: 1000 } });
    await ws.admin.putSpendCaps("spend", { dailyUsd: 0.021 });
    const run = await ws.agent.startRun({ workspace: "spend", workflow: "support-triage" });
    await chat(ws, run.id, "ticket", { max_tokens: 18 });
    expect((await alertsOf(ws, "spend_cap_threshold")).map((a) => a.data.level)).toEqual([80]);
    expect(await refusedWith(chat(ws, run.id, "ticket", { max_tokens: 18 }))).toBe("budget_exceeded");
    expect((await ws.agent.getRun(run.id)).stopReason).toBe("workspace_daily_spend_exceeded");
    const levels = (await alertsOf(ws, "spend_cap_threshold")).map((a) => a.data.level).sort();
    expect(levels).toEqual([100, 80]);
  });

  it("raises a burst of blocked calls, and a repeated identical call", async () => {
    const ws = await workspace("burst-co", "burst");
    const run = await ws.agent.startRun({ workspace: "burst", workflow: "support-triage" });
    for (let i = 0; i < 5; i++) await problemOf(ws.agent.callTool(run.id, "tracker.delete_issue", { id: `SUP-${i}` }));
    const burst = await alertsOf(ws, "call_burst");
    expect(burst).toHaveLength(1);
    expect(burst[0]).toMatchObject({
      runId: run.id,
      data: { count: 5, last: { name: "tracker.delete_issue", outcome: "blocked" } },
    });
    expect(await alertsOf(ws, "repeated_call")).toHaveLength(0);

    for (let i = 0; i < 3; i++) await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    for (let i = 0; i < 3; i++) await chat(ws, run.id, "the very same prompt");
    const repeated = await alertsOf(ws, "repeated_call");
    expect(repeated.map((a) => [a.data.callKind, a.data.name]).sort()).toEqual([
      ["model", "gpt-4o-mini"],
      ["tool", "helpdesk.get_ticket"],
    ]);
  });

  it("raises a run far above its workflow's recent normal, in cost and in calls", async () => {
    const ws = await workspace("normal-co", "normal");
    for (let i = 0; i < 6; i++) {
      const r = await ws.agent.startRun({ workspace: "normal", workflow: "support-triage" });
      await chat(ws, r.id, "Summarise ticket T-1001", { max_tokens: 100 });
      await ws.agent.finishRun(r.id, "succeeded");
    }
    expect(await alertsOf(ws, "run_cost_anomaly")).toHaveLength(0);
    const big = await ws.agent.startRun({ workspace: "normal", workflow: "support-triage" });
    for (let i = 0; i < 8; i++) await chat(ws, big.id, `Summarise ticket T-10${i}`, { max_tokens: 100 });
    const cost = await alertsOf(ws, "run_cost_anomaly");
    expect(cost).toHaveLength(1);
    expect(cost[0]).toMatchObject({ runId: big.id, data: { measure: "cost", history: 6 } });
    expect(cost[0]!.message).toContain("far above");
    expect(await alertsOf(ws, "run_calls_anomaly")).toHaveLength(1);
  });

  it("sends alerts to the workspace's signed webhook", async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
    try {
      const ws = await workspace("hook-co", "hooked");
      await ws.admin.putSecret("hooked", "hook-secret", "whsec-0123456789abcdef");
      await ws.admin.request("PUT", "/v1/workspaces/hooked/notifications", {
        channels: [
          {
            name: "ops",
            kind: "webhook",
            url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`,
            secretRef: "hook-secret",
          },
        ],
      });
      const run = await ws.agent.startRun({ workspace: "hooked", workflow: "support-triage" });
      for (let i = 0; i < 5; i++) await problemOf(ws.agent.callTool(run.id, "tracker.delete_issue", { id: `X-${i}` }));
      const [alert] = await alertsOf(ws, "call_burst");
      expect(alert?.delivery).toBe("delivered");
      const delivery = received.find((r) => r.headers["x-tollgate-event"] === "alert.raised");
      expect(JSON.parse(delivery!.body)).toMatchObject({
        event: "alert.raised",
        alert: { id: alert!.id, kind: "call_burst" },
      });
      const signature = String(delivery!.headers["x-tollgate-signature"]);
      expect(verifyWebhook("whsec-0123456789abcdef", signature, delivery!.body, Math.floor(Date.now() / 1000))).toBe(
        true,
      );
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
