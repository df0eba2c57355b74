import { createHash } from "node:crypto";
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type IdGenerator,
  RandomIdGenerator,
} from "@opentelemetry/sdk-trace-base";

/** What a span needs to know of its run. */
export interface TracedRun {
  id: string;
  traceId: string;
  workflow: string;
  agent: string | null;
}

export interface EndedRun extends TracedRun {
  startedAt: string;
  endedAt: string;
  status: string;
  stopReason: string | null;
  toolCalls: number;
  modelCalls: number;
  costUsd: number;
}

/** A W3C `traceparent` as sent to an upstream. */
export const traceparentOf = (traceId: string, spanId: string): string => `00-${traceId}-${spanId}-01`;

/** The run's own span id, derived from its id so any replica can parent a call under it. */
export const runSpanId = (runId: string): string => createHash("sha256").update(runId).digest("hex").slice(0, 16);

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses an incoming `traceparent`; undefined when absent or malformed (then it is ignored). */
export function parseTraceparent(
  header: string | undefined,
): { traceId: string; spanId: string; sampled: boolean } | undefined {
  const m = traceparentPattern.exec(String(header ?? "").trim());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, sampled: (Number.parseInt(m[3]!, 16) & 1) === 1 };
}

/** Lets the run span carry the run's stored trace id and its derived span id (`next` is set around one startSpan). */
class RunAwareIdGenerator implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  next: { traceId: string; spanId: string } | undefined;
  generateTraceId(): string {
    return this.next?.traceId ?? this.random.generateTraceId();
  }
  generateSpanId(): string {
    return this.next?.spanId ?? this.random.generateSpanId();
  }
}

/** A started span; `traceparent` is what the call sends on to an HTTP upstream. */
export interface SpanHandle {
  readonly traceparent: string;
  set(attributes: Attributes): void;
  fail(message: string): void;
  end(): void;
}

export interface ModelCallSpanInput {
  run: TracedRun;
  model: string;
  provider: string;
  /** an incoming traceparent of the request, when there is one */
  traceparent?: string;
}

/**
 * OpenTelemetry spans following the GenAI semantic conventions: `invoke_agent` for a run,
 * `execute_tool` for a tool call, `chat` for a model call. Off (no provider, no work on the call
 * path) unless OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set; spans are
 * then exported over OTLP/HTTP in batches.
 */
export class Tracing {
  private constructor(
    private readonly tracer: Tracer | undefined,
    private readonly ids: RunAwareIdGenerator | undefined,
    private readonly provider: BasicTracerProvider | undefined,
  ) {}

  static disabled(): Tracing {
    return new Tracing(undefined, undefined, undefined);
  }

  /** Reads the standard OTEL_* settings (endpoint, headers, service name, batch delay). */
  static fromEnv(env: NodeJS.ProcessEnv): Tracing {
    const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, "");
    const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (base ? `${base}/v1/traces` : undefined);
    if (!url || env.OTEL_SDK_DISABLED === "true" || env.OTEL_TRACES_EXPORTER === "none") return Tracing.disabled();
    const headers = parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS);
    const ids = new RunAwareIdGenerator();
    const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME || "tollgate" }),
      idGenerator: ids,
      spanProcessors: [
        new BatchSpanProcessor(
          new OTLPTraceExporter({ url, headers }),
          Number.isFinite(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {},
        ),
      ],
    });
    return new Tracing(provider.getTracer("tollgate"), ids, provider);
  }

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  /** A tool call's span, under the caller's span when it sent a traceparent, else under the run's span. */
  toolCall(run: TracedRun, tool: string, incoming?: string): SpanHandle | undefined {
    if (!this.tracer) return undefined;
    const span = this.tracer.startSpan(
      `execute_tool ${tool}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": tool,
          "gen_ai.tool.type": "function",
          ...(run.agent ? { "gen_ai.agent.name": run.agent } : {}),
          "tollgate.run.id": run.id,
          "tollgate.workflow": run.workflow,
        },
      },
      this.parentOf(run, incoming),
    );
    return handle(span);
  }

  /** A model call's span (the model proxy starts it; `end` after the provider's usage is known). */
  modelCall(input: ModelCallSpanInput): SpanHandle | undefined {
    if (!this.tracer) return undefined;
    const span = this.tracer.startSpan(
      `chat ${input.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": input.provider,
          "gen_ai.system": input.provider,
          "gen_ai.request.model": input.model,
          "tollgate.run.id": input.run.id,
          "tollgate.workflow": input.run.workflow,
        },
      },
      this.parentOf(input.run, input.traceparent),
    );
    return handle(span);
  }

  /**
   * The run's span, written when the run ends: it starts at the run's start, carries the run's
   * stored trace id and the span id its calls were parented to while it ran.
   */
  runEnded(run: EndedRun): void {
    if (!this.tracer || !this.ids) return;
    this.ids.next = { traceId: run.traceId, spanId: runSpanId(run.id) };
    const span = this.tracer.startSpan(
      `invoke_agent ${run.workflow}`,
      {
        root: true,
        kind: SpanKind.INTERNAL,
        startTime: new Date(run.startedAt),
        attributes: {
          "gen_ai.operation.name": "invoke_agent",
          ...(run.agent ? { "gen_ai.agent.name": run.agent } : {}),
          "tollgate.run.id": run.id,
          "tollgate.workflow": run.workflow,
          "tollgate.run.status": run.status,
          ...(run.stopReason ? { "tollgate.run.stop_reason": run.stopReason } : {}),
          "tollgate.usage.tool_calls": run.toolCalls,
          "tollgate.usage.model_calls": run.modelCalls,
          "tollgate.usage.cost_usd": run.costUsd,
        },
      },
      ROOT_CONTEXT,
    );
    this.ids.next = undefined;
    if (run.status !== "succeeded")
      span.setStatus({ code: SpanStatusCode.ERROR, message: run.stopReason ?? run.status });
    span.end(new Date(run.endedAt));
  }

  async shutdown(): Promise<void> {
    await this.provider?.shutdown();
  }

  private parentOf(run: TracedRun, incoming: string | undefined): Context {
    const caller = parseTraceparent(incoming);
    return trace.setSpanContext(ROOT_CONTEXT, {
      traceId: caller?.traceId ?? run.traceId,
      spanId: caller?.spanId ?? runSpanId(run.id),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
  }
}

function handle(span: Span): SpanHandle {
  const ctx = span.spanContext();
  return {
    traceparent: traceparentOf(ctx.traceId, ctx.spanId),
    set: (a) => span.setAttributes(a),
    fail: (message) => span.setStatus({ code: SpanStatusCode.ERROR, message }),
    end: () => span.end(),
  };
}

/** OTEL_EXPORTER_OTLP_HEADERS: `key=value,key2=value2`, values percent-encoded. */
function parseHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? "").split(",")) {
    const i = part.indexOf("=");
    if (i > 0) out[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** The run span's input from a stored run that has ended. */
export function endedRunOf(r: {
  id: string;
  traceId: string;
  workflow: string;
  agent: string | null;
  startedAt: string;
  endedAt: string | null;
  status: string;
  stopReason: string | null;
  toolCalls: number;
  modelCalls: number;
  costUsd: number;
}): EndedRun | undefined {
  return r.endedAt ? { ...r, endedAt: r.endedAt } : undefined;
}
