import { performance } from "node:perf_hooks";
import { newSpanId, TollgateError } from "@tollgate/core";
import type { CallStage, Metrics } from "./metrics.js";
import { parseTraceparent, type SpanHandle, type TracedRun, Tracing, traceparentOf } from "./tracing.js";

/** Metrics and traces, built once in app.ts. */
export class Telemetry {
  constructor(
    readonly metrics: Metrics,
    readonly tracing: Tracing = Tracing.disabled(),
  ) {}

  /** Follows one governed call: its stage latencies, its decision, and (when tracing is on) its span. */
  observeCall(incomingTraceparent?: string): CallObservation {
    return new CallObservation(this, incomingTraceparent);
  }
}

/**
 * One call as metrics and a trace see it. Cheap when tracing is off: a timestamp and counters.
 * The call service calls `begin` once the run is known, `decided` once the intent is written,
 * and `end` when the call answers.
 */
export class CallObservation {
  private readonly started = performance.now();
  private span: SpanHandle | undefined;
  private run: TracedRun | undefined;
  private counted = false;

  constructor(
    private readonly telemetry: Telemetry,
    private readonly incoming?: string,
  ) {}

  begin(run: TracedRun, tool: string): void {
    this.run = run;
    this.span = this.telemetry.tracing.toolCall(run, tool, this.incoming);
  }

  /** Records a stage's latency, measured from `since` (a performance.now() value). */
  stage(stage: CallStage, since: number): void {
    this.telemetry.metrics.stage(stage, (performance.now() - since) / 1000);
  }

  decided(call: { id: string; decision: string; class: string; rules: readonly string[]; status: string }): void {
    this.counted = true;
    this.telemetry.metrics.toolCall(call.decision, call.class);
    this.span?.set({
      "gen_ai.tool.call.id": call.id,
      "tollgate.decision": call.decision,
      "tollgate.action.class": call.class,
      "tollgate.rules": [...call.rules],
      "tollgate.call.status": call.status,
    });
  }

  /**
   * The `traceparent` sent to an HTTP upstream: the call span's context when tracing is on;
   * otherwise the caller's trace (or the run's) with a fresh span id.
   */
  traceparent(runTraceId: string): string {
    if (this.span) return this.span.traceparent;
    const caller = parseTraceparent(this.incoming);
    return traceparentOf(caller?.traceId ?? runTraceId, newSpanId());
  }

  outcome(status: string, attempts: number, error?: { code: string; message: string }): void {
    this.span?.set({ "tollgate.call.status": status, "tollgate.call.attempts": attempts });
    if (error) this.span?.set({ "error.type": error.code });
  }

  end(error?: unknown): void {
    this.stage("total", this.started);
    if (error !== undefined) {
      const code = error instanceof TollgateError ? error.code : "internal";
      if (!this.counted && code === "outside_boundary") this.telemetry.metrics.toolCall("block", "UNKNOWN");
      this.span?.set({ "error.type": code });
      this.span?.fail(error instanceof Error ? error.message : String(error));
    }
    this.span?.end();
  }

  /** For calls run later (after an approval): a span of their own under the run. */
  static forExecution(telemetry: Telemetry, run: TracedRun, tool: string): CallObservation {
    const o = new CallObservation(telemetry);
    o.begin(run, tool);
    return o;
  }

  get traced(): boolean {
    return this.run !== undefined && this.span !== undefined;
  }
}
