import { type FakeModelProvider, startFakeModel } from "@tollgate/example-support-triage";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";
import { anthropicRequest, sseEvents, testPrices, useFakeProvider, workflowVariant } from "./model-support.js";

let h: Harness;
let ws: Workspace;
let model: FakeModelProvider;
let agentKey: string;

beforeAll(async () => {
  h = await startHarness();
  model = await startFakeModel();
  ws = await h.workspace("acme", "support");
  await useFakeProvider(ws, model);
  agentKey = (await h.operator.createKey("support", "model-agent", "agent")).key;
});
afterAll(async () => {
  await h.close();
  await model.close();
});
beforeEach(() => model.reset());

const startRun = (workflow = "support-triage") =>
  ws.agent.startRun({ workspace: "support", workflow, agent: "triage-bot" });
const openai = (runId: string, key = agentKey) =>
  new OpenAI({ baseURL: ws.agent.openaiBaseUrl(runId), apiKey: key, maxRetries: 0 });
const ticket = [{ role: "user" as const, content: "Summarise: the CSV export is missing the totals column." }];
const tokens = (text: string) => Math.ceil(text.length / 4);

describe("the model proxy with the official openai client", () => {
  it("answers a chat completion, charges the run by the provider's usage, and keeps the agent's key away", async () => {
    const run = await startRun();
    const completion = await openai(run.id).chat.completions.create({ model: "gpt-4o-mini", messages: ticket });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toMatch(/^Triage:/);
    const usage = completion.usage!;
    const expected = (usage.prompt_tokens * 1 + usage.completion_tokens * 2) / 1e6;
    const after = await ws.agent.getRun(run.id);
    expect(after.usage.modelCalls).toBe(1);
    expect(after.usage.costUsd).toBeCloseTo(expected, 12);

    const [seen] = model.requests("openai");
    expect(seen?.headers.authorization).toBe(`Bearer ${model.apiKey}`);
    expect(JSON.stringify(seen?.headers)).not.toContain("tgk_");
    // no max tokens given: Tollgate bounds the output so the reservation is a true bound
    expect(seen?.body.max_completion_tokens).toBe(4096);

    const types = (await ws.auditor.timeline(run.id)).entries.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["model_call.requested", "model_call.completed"]));
  });

  it("streams chunk by chunk with usage captured, and settles the run from it", async () => {
    const run = await startRun();
    const stream = await openai(run.id).chat.completions.create({
      model: "gpt-4o-mini",
      messages: ticket,
      max_tokens: 200,
      stream: true,
    });
    let text = "";
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toMatch(/^Triage: this is an export bug/);
    expect(usage?.completion_tokens).toBe(tokens(text));
    const sent = model.requests("openai")[0]?.body;
    expect(sent?.stream_options).toEqual({ include_usage: true });
    expect(sent?.max_tokens).toBe(200);
    const after = await ws.agent.getRun(run.id);
    expect(after.usage.costUsd).toBeCloseTo((usage!.prompt_tokens + usage!.completion_tokens * 2) / 1e6, 12);
  });

  it("measures a model call's stages: before the provider is asked, its first token, the whole call", async () => {
    const counts = async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      const count = (stage: string) =>
        Number(
          new RegExp(`^tollgate_model_call_stage_seconds_count\\{stage="${stage}"\\} (\\d+)$`, "m").exec(text)?.[1] ??
            0,
        );
      return { intent: count("intent"), firstToken: count("first_token"), total: count("total") };
    };
    const before = await counts();
    const run = await startRun();
    const stream = await openai(run.id).chat.completions.create({
      model: "gpt-4o-mini",
      messages: ticket,
      stream: true,
    });
    for await (const _ of stream);
    await openai(run.id).chat.completions.create({ model: "gpt-4o-mini", messages: ticket });
    // the stream settles as its last chunk is sent: the metric may land just after the client is done
    await expect.poll(async () => (await counts()).total - before.total).toBe(2);
    expect(await counts()).toEqual({
      intent: before.intent + 2,
      firstToken: before.firstToken + 1,
      total: before.total + 2,
    });
  });

  it("passes tool calls through untouched, streamed and not", async () => {
    const run = await startRun();
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "tracker__search_issues",
          parameters: { type: "object", properties: { q: { type: "string" } } },
        },
      },
    ];
    const c = await openai(run.id).chat.completions.create({ model: "gpt-4o-mini", messages: ticket, tools });
    expect(c.choices[0]?.finish_reason).toBe("tool_calls");
    expect(c.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: "function",
      function: { name: "tracker__search_issues", arguments: '{"q":"export missing column"}' },
    });
    expect(model.requests("openai")[0]?.body.tools).toEqual(tools);

    const stream = openai(run.id).chat.completions.stream({ model: "gpt-4o-mini", messages: ticket, tools });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.tool_calls?.[0]?.function).toEqual({
      name: "tracker__search_issues",
      arguments: '{"q":"export missing column"}',
    });
  });

  it("refuses a model no provider lists, or one behind the other API, with a clear code", async () => {
    const run = await startRun();
    const err = (await openai(run.id)
      .chat.completions.create({ model: "gpt-5-ultra", messages: ticket })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(403);
    expect(err.code).toBe("model_not_allowed");
    expect(err.message).toContain("gpt-5-ultra");
    const wrongApi = (await openai(run.id)
      .chat.completions.create({ model: "claude-sonnet-4", messages: ticket })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(wrongApi.code).toBe("model_not_allowed");
    expect(wrongApi.message).toContain("anthropic");
    expect(model.requests()).toHaveLength(0);
    expect((await ws.agent.getRun(run.id)).usage.modelCalls).toBe(0);
  });

  it("refuses bad input, other tenants' keys and finished runs", async () => {
    const run = await startRun();
    const bad = await fetch(`${ws.agent.openaiBaseUrl(run.id)}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: "hello" }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_request", error: { code: "invalid_request" } });

    const other = await h.workspace("globex", "ops");
    const otherKey = (await h.operator.createKey("ops", "intruder", "agent")).key;
    const intruder = await openai(run.id, otherKey)
      .chat.completions.create({ model: "gpt-4o-mini", messages: ticket })
      .catch((e: unknown) => e);
    expect((intruder as { status: number }).status).toBe(404);
    expect(other.workspace).toBe("ops");

    await ws.agent.finishRun(run.id, "succeeded");
    const ended = await openai(run.id)
      .chat.completions.create({ model: "gpt-4o-mini", messages: ticket })
      .catch((e: unknown) => e);
    expect((ended as { status: number; code: string }).code).toBe("run_not_running");
    expect(model.requests()).toHaveLength(0);
  });

  it("passes a provider's own error on in its shape, and charges nothing for it", async () => {
    const run = await startRun();
    model.failNext(429);
    const err = (await openai(run.id)
      .chat.completions.create({ model: "gpt-4o-mini", messages: ticket })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(429);
    expect(err.message).toContain("injected fault");
    expect((await ws.agent.getRun(run.id)).usage).toMatchObject({ modelCalls: 1, costUsd: 0 });
  });
});

describe("the model proxy in Anthropic's Messages format", () => {
  const body = {
    model: "claude-sonnet-4",
    max_tokens: 300,
    system: "You triage support tickets.",
    messages: [{ role: "user", content: "Summarise: the CSV export is missing the totals column." }],
  };

  it("answers a message with usage, charged to the run", async () => {
    const run = await startRun();
    const res = await anthropicRequest(h.url, run.id, agentKey, body);
    expect(res.status).toBe(200);
    const msg = (await res.json()) as { type: string; content: { text: string }[]; usage: Record<string, number> };
    expect(msg.type).toBe("message");
    expect(msg.content[0]?.text).toMatch(/^Triage:/);
    const seen = model.requests("anthropic")[0];
    expect(seen?.headers["x-api-key"]).toBe(model.apiKey);
    expect(seen?.headers["anthropic-version"]).toBe("2023-06-01");
    const cost = ((msg.usage.input_tokens ?? 0) * 3 + (msg.usage.output_tokens ?? 0) * 15) / 1e6;
    expect((await ws.agent.getRun(run.id)).usage.costUsd).toBeCloseTo(cost, 12);
  });

  it("streams its event stream through, with usage from message_start and message_delta", async () => {
    const run = await startRun();
    const res = await anthropicRequest(h.url, run.id, agentKey, { ...body, stream: true });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = sseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(["message_start", "content_block_delta", "message_delta", "message_stop"]),
    );
    const text = events
      .filter((e) => e.event === "content_block_delta")
      .map((e) => (JSON.parse(e.data) as { delta: { text: string } }).delta.text)
      .join("");
    expect(text).toMatch(/^Triage:/);
    const start = JSON.parse(events.find((e) => e.event === "message_start")!.data).message.usage.input_tokens;
    const out = JSON.parse(events.find((e) => e.event === "message_delta")!.data).usage.output_tokens;
    expect((await ws.agent.getRun(run.id)).usage.costUsd).toBeCloseTo((start * 3 + out * 15) / 1e6, 12);
  });

  it("answers errors in Anthropic's shape as well as problem+json", async () => {
    const run = await startRun();
    const res = await anthropicRequest(h.url, run.id, agentKey, { ...body, model: "gpt-4o-mini" });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      code: "model_not_allowed",
      type: "error",
      error: { type: "permission_error" },
    });
    const noKey = await fetch(`${h.url}/v1/runs/${run.id}/anthropic/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(noKey.status).toBe(401);
  });
});

describe("prompt minimisation", () => {
  it("replaces personal data and secrets before the provider sees them, with stable placeholders per run", async () => {
    await ws.admin.putSecret("support", "crm-password", "hunter2-very-secret");
    const run = await startRun();
    const prompt =
      "Customer jane.doe@example.com (card 4111 1111 1111 1111) wrote twice from jane.doe@example.com; " +
      "cc bob@example.org. Our CRM password is hunter2-very-secret.";
    await openai(run.id).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "You triage tickets." },
        { role: "user", content: prompt },
      ],
    });
    const sent = JSON.stringify(model.requests("openai")[0]?.body.messages);
    for (const raw of ["jane.doe@example.com", "bob@example.org", "4111 1111 1111 1111", "hunter2-very-secret"])
      expect(sent).not.toContain(raw);
    const emails = sent.match(/\[pii\.email:[0-9a-f]{8}\]/g) ?? [];
    expect(emails).toHaveLength(3);
    expect(emails[0]).toBe(emails[1]);
    expect(emails[2]).not.toBe(emails[0]);
    expect(sent).toMatch(/\[pii\.card:[0-9a-f]{8}\]/);
    expect(sent).toContain("You triage tickets.");

    // the same address gets the same placeholder within the run, another in another run
    await openai(run.id).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "again jane.doe@example.com" }],
    });
    expect(JSON.stringify(model.requests("openai")[1]?.body.messages)).toContain(emails[0]);
    const other = await startRun();
    await openai(other.id).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "again jane.doe@example.com" }],
    });
    expect(JSON.stringify(model.requests("openai")[2]?.body.messages)).not.toContain(emails[0]);

    const requested = (await ws.auditor.timeline(run.id)).entries.find((e) => e.type === "model_call.requested");
    expect(requested?.details).toMatchObject({
      provider: "openai",
      model: "gpt-4o-mini",
      redacted: ["pii.card", "pii.email", "secrets.known"],
    });
  });
});

describe("model-call caps and cost reservations", () => {
  it("stops the run at its model-call cap with a typed reason", async () => {
    await ws.admin.putWorkflow(
      "support",
      "two-calls",
      workflowVariant(h, "two-calls", "{ modelCalls: 2, costUsd: 5 }"),
    );
    const run = await startRun("two-calls");
    for (let i = 0; i < 2; i++)
      await openai(run.id).chat.completions.create({ model: "gpt-4o-mini", messages: ticket });
    const err = (await openai(run.id)
      .chat.completions.create({ model: "gpt-4o-mini", messages: ticket })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(429);
    expect(err.code).toBe("budget_exceeded");
    expect(await ws.agent.getRun(run.id)).toMatchObject({
      status: "stopped",
      stopReason: "model_calls_exceeded",
      usage: { modelCalls: 2 },
    });
    expect(model.requests()).toHaveLength(2);
  });

  it("never overspends under 20 parallel calls: reservations bound each call, settlement gives back the rest", async () => {
    // gpt-4o at $10/$20 per million; each call reserves about $0.0033 for 100 output tokens
    await ws.admin.putWorkflow("support", "tight", workflowVariant(h, "tight", "{ modelCalls: 100, costUsd: 0.02 }"));
    const run = await startRun("tight");
    model.setDelay(100); // all 20 are in flight at once, holding their reservations
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        openai(run.id).chat.completions.create({ model: "gpt-4o", messages: ticket, max_tokens: 100 }),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled") as PromiseFulfilledResult<OpenAI.ChatCompletion>[];
    const refused = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    // at most floor(0.02 / 0.0033) = 6 reservations fit at once, whatever the calls cost in the end
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length).toBeLessThanOrEqual(6);
    expect(refused.length).toBe(20 - ok.length);
    for (const r of refused)
      expect(["budget_exceeded", "run_not_running"]).toContain((r.reason as { code: string }).code);
    const after = await ws.agent.getRun(run.id);
    const spent = ok.reduce(
      (sum, r) => sum + (r.value.usage!.prompt_tokens * 10 + r.value.usage!.completion_tokens * 20) / 1e6,
      0,
    );
    expect(after.usage.costUsd).toBeCloseTo(spent, 12);
    expect(after.usage.costUsd).toBeLessThanOrEqual(0.02);
    expect(model.requests()).toHaveLength(ok.length);
    expect(after).toMatchObject({ status: "stopped", stopReason: "cost_exceeded" });
  });

  it.each([
    ["daily", { dailyUsd: 0.0001 }, "workspace_daily_spend_exceeded"],
    ["monthly", { dailyUsd: 100, monthlyUsd: 0.0001 }, "workspace_monthly_spend_exceeded"],
  ] as const)("stops the run at the workspace's %s spend cap, by its own reason", async (period, caps, stopReason) => {
    const labs = `labs-${period}`;
    await h.workspace(`initech-${period}`, `lab-${period}`);
    const lab = await h.workspace(`umbrella-${period}`, labs);
    await useFakeProvider(lab, model);
    const key = (await h.operator.createKey(labs, `${labs}-agent`, "agent")).key;
    await lab.admin.putSpendCaps(labs, caps);
    expect(await lab.admin.spendCaps(labs)).toEqual({ dailyUsd: null, monthlyUsd: null, ...caps });
    const run = await lab.agent.startRun({ workspace: labs, workflow: "support-triage" });
    const client = new OpenAI({ baseURL: lab.agent.openaiBaseUrl(run.id), apiKey: key, maxRetries: 0 });
    const before = model.requests().length;
    const err = (await client.chat.completions
      .create({ model: "gpt-4o", messages: ticket, max_tokens: 100 })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.code).toBe("budget_exceeded");
    expect(await lab.agent.getRun(run.id)).toMatchObject({
      status: "stopped",
      stopReason,
      usage: { modelCalls: 0, costUsd: 0 },
    });
    expect(model.requests()).toHaveLength(before);
  });

  it("applies a changed provider, price or spend cap to the very next call", async () => {
    const lab = await h.workspace("cyberdyne", "labs-changes");
    await useFakeProvider(lab, model);
    const key = (await h.operator.createKey("labs-changes", "labs-changes-agent", "agent")).key;
    const run = await lab.agent.startRun({ workspace: "labs-changes", workflow: "support-triage" });
    const client = new OpenAI({ baseURL: lab.agent.openaiBaseUrl(run.id), apiKey: key, maxRetries: 0 });
    const ask = (model = "gpt-4o-mini") =>
      client.chat.completions
        .create({ model, messages: ticket, max_tokens: 20 })
        .then(() => "ok")
        .catch((e: InstanceType<typeof OpenAI.APIError>) => e.code);
    expect(await ask()).toBe("ok"); // the workspace's configuration is now cached
    await lab.admin.putModelPrices("labs-changes", { "gpt-4o-mini": { inputPerMTok: 1_000_000, outputPerMTok: 1 } });
    await lab.admin.putSpendCaps("labs-changes", { dailyUsd: 1 });
    expect(await ask()).toBe("budget_exceeded");
    const other = await h.workspace("cyberdyne-2", "labs-changes-2");
    await useFakeProvider(other, model);
    const key2 = (await h.operator.createKey("labs-changes-2", "labs-changes-2-agent", "agent")).key;
    const run2 = await other.agent.startRun({ workspace: "labs-changes-2", workflow: "support-triage" });
    const client2 = new OpenAI({ baseURL: other.agent.openaiBaseUrl(run2.id), apiKey: key2, maxRetries: 0 });
    expect(
      (await client2.chat.completions.create({ model: "gpt-4o", messages: ticket, max_tokens: 20 })).id,
    ).toBeTruthy();
    await other.admin.deleteModelProvider("labs-changes-2", "openai");
    const refused = await client2.chat.completions
      .create({ model: "gpt-4o", messages: ticket, max_tokens: 20 })
      .catch((e: InstanceType<typeof OpenAI.APIError>) => e.code);
    expect(refused).toBe("model_not_allowed");
  });

  it("forgets a deleted tenant's providers: a tenant made again under its name starts with none", async () => {
    const ask = async (lab: Awaited<ReturnType<typeof h.workspace>>) => {
      const key = (await h.operator.createKey("labs-gone", `labs-gone-agent-${Date.now()}`, "agent")).key;
      const run = await lab.agent.startRun({ workspace: "labs-gone", workflow: "support-triage" });
      return new OpenAI({ baseURL: lab.agent.openaiBaseUrl(run.id), apiKey: key, maxRetries: 0 }).chat.completions
        .create({ model: "gpt-4o-mini", messages: ticket, max_tokens: 20 })
        .then(() => "ok")
        .catch((e: InstanceType<typeof OpenAI.APIError>) => e.code);
    };
    const first = await h.workspace("tyrell", "labs-gone");
    await useFakeProvider(first, model);
    expect(await ask(first)).toBe("ok"); // the workspace's providers are now cached
    await h.operator.deleteTenant("tyrell");
    expect(await ask(await h.workspace("tyrell", "labs-gone"))).toBe("model_not_allowed");
  });

  it("keeps shipped example prices under the workspace's own", async () => {
    const prices = await ws.auditor.modelPrices("support");
    expect(prices.workspace).toEqual(testPrices);
    expect(prices.examples["gpt-4o-mini"]).toBeDefined();
    expect(prices.effective["gpt-4o-mini"]).toEqual(testPrices["gpt-4o-mini"]);
    const bad = await problemOf(ws.admin.putModelPrices("support", { x: { inputPerMTok: -1, outputPerMTok: 1 } }));
    expect(bad).toMatchObject({ status: 400, code: "invalid_request" });
    expect(bad.detail).toContain("inputPerMTok");
  });
});

describe("restart", () => {
  it("ends a model call the process died in as failed, charged its reservation, on record", async () => {
    const run = await startRun();
    const store = h.server.tollgate.services.store;
    await store.transaction("acme", async (s) => {
      await s.runs.reserveModelCall(run.id, {}, 0.002);
      await s.modelCalls.insert({
        id: "mc_interrupted",
        workspaceId: "support",
        runId: run.id,
        workflow: "support-triage",
        agent: "triage-bot",
        provider: "openai",
        api: "openai",
        model: "gpt-4o-mini",
        stream: true,
        requestHash: "h",
        promptChars: 10,
        redacted: [],
        redactions: 0,
        sentKinds: [],
        reservedUsd: 0.002,
        requestedBy: "key_x",
        createdAt: new Date().toISOString(),
      });
    });
    await h.restart();
    const call = await h.server.tollgate.services.store.scope("acme").modelCalls.get("mc_interrupted");
    expect(call).toMatchObject({ status: "failed", costUsd: 0.002, error: { code: "interrupted" } });
    expect((await ws.agent.getRun(run.id)).usage.costUsd).toBeCloseTo(0.002, 12);
    const failed = (await ws.auditor.timeline(run.id)).entries.find((e) => e.type === "model_call.failed");
    expect(failed?.summary).toContain("Tollgate stopped during the call");
  });
});
