import { type FakeModelProvider, startFakeModel } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";
import { useFakeProvider } from "./model-support.js";
import { eventually, type HttpReceiver, startHttpReceiver } from "./receivers/http.js";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

let h: Harness;
let ws: Workspace;
let collector: HttpReceiver;
let model: FakeModelProvider;

/** Spans the in-test OTLP/HTTP collector received (JSON encoding), flattened. */
const spans = (): OtlpSpan[] =>
  collector.received
    .filter((r) => r.path === "/v1/traces")
    .flatMap((r) =>
      JSON.parse(r.body).resourceSpans.flatMap((rs: { scopeSpans: { spans: OtlpSpan[] }[] }) =>
        rs.scopeSpans.flatMap((ss) => ss.spans),
      ),
    );
const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v && (v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue);
};

beforeAll(async () => {
  collector = await startHttpReceiver();
  h = await startHarness({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: "50",
      OTEL_SERVICE_NAME: "tollgate-test",
      TOLLGATE_METRICS_TOKEN: "metrics-token-9f8e",
    },
  });
  ws = await h.workspace("tracey", "traced");
  model = await startFakeModel();
  await useFakeProvider(ws, model);
});
afterAll(async () => {
  await h?.close();
  await model?.close();
  await collector?.close();
});

describe("OpenTelemetry traces", () => {
  it("exports GenAI spans for tool calls and the run, under the caller's trace, and sends the span's context upstream", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const callerSpan = "b7ad6b7169203331";
    const run = (
      await ws.agent.request<{ id: string; traceId: string }>(
        "POST",
        "/v1/runs",
        { workspace: "traced", workflow: "support-triage" },
        { traceparent: `00-${traceId}-${callerSpan}-01` },
      )
    ).body;
    expect(run.traceId).toBe(traceId);

    const toolSpanParent = "00f067aa0ba902b7";
    await ws.agent.request(
      "POST",
      `/v1/runs/${run.id}/tool-calls`,
      { tool: "helpdesk.get_ticket", args: { id: "T-1001" } },
      { traceparent: `00-${traceId}-${toolSpanParent}-01` },
    );
    await ws.agent.callTool(run.id, "chat.post_message", { channel: "#support-ops", text: "on it" });
    await problemOf(ws.agent.callTool(run.id, "tracker.delete_issue", { id: "SUP-1" }));
    await ws.agent.finishRun(run.id, "succeeded");

    expect(
      await eventually(
        () =>
          spans().some((s) => s.name.startsWith("invoke_agent")) &&
          spans().filter((s) => s.name.startsWith("execute_tool")).length >= 3,
      ),
    ).toBe(true);
    const all = spans();
    expect(new Set(all.map((s) => s.traceId))).toEqual(new Set([traceId]));

    const get = all.find((s) => s.name === "execute_tool helpdesk.get_ticket")!;
    expect(get.parentSpanId).toBe(toolSpanParent);
    expect(attr(get, "gen_ai.operation.name")).toBe("execute_tool");
    expect(attr(get, "gen_ai.tool.name")).toBe("helpdesk.get_ticket");
    expect(attr(get, "gen_ai.tool.call.id")).toMatch(/^call_/);
    expect(attr(get, "tollgate.decision")).toBe("allow");
    expect(attr(get, "tollgate.call.status")).toBe("succeeded");

    // the upstream received the tool-call span's context as its parent
    const upstream = h.systems.requests().find((r) => r.path.startsWith("/helpdesk/tickets/T-1001"))!;
    expect(upstream.headers.traceparent).toBe(`00-${traceId}-${get.spanId}-01`);

    const agentRun = all.find((s) => s.name === "invoke_agent support-triage")!;
    expect(attr(agentRun, "gen_ai.operation.name")).toBe("invoke_agent");
    expect(attr(agentRun, "tollgate.run.id")).toBe(run.id);
    // calls without a traceparent of their own hang under the run's span
    const post = all.find((s) => s.name === "execute_tool chat.post_message")!;
    expect(post.parentSpanId).toBe(agentRun.spanId);
    const blocked = all.find((s) => s.name === "execute_tool tracker.delete_issue")!;
    expect(attr(blocked, "tollgate.decision")).toBe("block");
    expect(attr(blocked, "error.type")).toBe("blocked");
  });

  it("exports a GenAI chat span for a model call through the proxy, with model and token usage", async () => {
    const run = await ws.agent.startRun({ workspace: "traced", workflow: "support-triage" });
    const res = await ws.agent.request<{ usage: { prompt_tokens: number; completion_tokens: number } }>(
      "POST",
      `/v1/runs/${run.id}/openai/chat/completions`,
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "Summarise ticket T-1001" }] },
    );
    expect(await eventually(() => spans().some((s) => s.name === "chat gpt-4o-mini"))).toBe(true);
    const chat = spans().find((s) => s.name === "chat gpt-4o-mini")!;
    expect(chat.traceId).toBe(run.traceId);
    expect(attr(chat, "gen_ai.operation.name")).toBe("chat");
    expect(attr(chat, "gen_ai.request.model")).toBe("gpt-4o-mini");
    expect(Number(attr(chat, "gen_ai.usage.input_tokens"))).toBe(res.body.usage.prompt_tokens);
    expect(Number(attr(chat, "gen_ai.usage.output_tokens"))).toBe(res.body.usage.completion_tokens);
  });

  it("guards /metrics with the metrics token when one is set", async () => {
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const ok = await fetch(`${h.url}/metrics`, { headers: { authorization: "Bearer metrics-token-9f8e" } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("tollgate_tool_calls_total");
  });
});
