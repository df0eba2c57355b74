import type { Store } from "@tollgate/store";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { observeGarbageCollections } from "./gc-metric.js";
import type { Clock } from "../clock.js";

/** Stages of the governed call whose latency is measured (DESIGN §3). */
export type CallStage = "policy" | "intent" | "upstream" | "total";

/**
 * Stages of a governed model call: everything Tollgate does before the provider is asked
 * (`intent`), the provider's first streamed chunk after that (`first_token`, streams only), and
 * the whole call to its settlement (`total`).
 */
export type ModelCallStage = "intent" | "first_token" | "total";

const latencyBuckets = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * Prometheus metrics (`GET /metrics`). Counters and histograms are this process's; the gauges
 * for approvals, budget stops and sink lag are read from the database at scrape time, so every
 * replica reports the same, current figures. Each Tollgate instance has its own registry.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly calls: Counter<"decision" | "class">;
  private readonly stageSeconds: Histogram<"stage">;
  private readonly modelStageSeconds: Histogram<"stage">;
  private readonly sinkEvents: Counter<"tenant" | "workspace" | "sink">;
  private readonly sinkFailures: Counter<"tenant" | "workspace" | "sink">;
  private readonly walRestartHolds: Histogram;

  constructor(store: Store, clock: Clock) {
    const registers = [this.registry];
    this.calls = new Counter({
      name: "tollgate_tool_calls_total",
      help: "Governed tool calls by policy decision (allow, approve, block) and action class",
      labelNames: ["decision", "class"],
      registers,
    });
    this.stageSeconds = new Histogram({
      name: "tollgate_call_stage_seconds",
      help: "Latency of the stages of a governed tool call: policy decision, intent write, upstream call, and the whole call",
      labelNames: ["stage"],
      buckets: latencyBuckets,
      registers,
    });
    this.modelStageSeconds = new Histogram({
      name: "tollgate_model_call_stage_seconds",
      help: "Latency of the stages of a governed model call: everything before the provider is asked (intent), the provider's first streamed chunk after that (first_token), and the whole call to its settlement (total)",
      labelNames: ["stage"],
      buckets: latencyBuckets,
      registers,
    });
    this.sinkEvents = new Counter({
      name: "tollgate_audit_sink_delivered_total",
      help: "Audit events delivered to a SIEM sink by this process",
      labelNames: ["tenant", "workspace", "sink"],
      registers,
    });
    this.sinkFailures = new Counter({
      name: "tollgate_audit_sink_failures_total",
      help: "Failed deliveries to a SIEM sink by this process",
      labelNames: ["tenant", "workspace", "sink"],
      registers,
    });
    this.walRestartHolds = new Histogram({
      name: "tollgate_sqlite_wal_restart_hold_seconds",
      help: "How long each restart of the embedded store's write-ahead log held database queries (SQLite only; the event loop runs on)",
      buckets: latencyBuckets,
      registers,
    });
    new Gauge({
      name: "tollgate_approvals_pending",
      help: "Approvals waiting for a human decision",
      labelNames: ["tenant", "workspace"],
      registers,
      async collect() {
        this.reset();
        for (const r of await store.pendingApprovalCounts())
          this.set({ tenant: r.tenantId, workspace: r.workspaceId }, r.count);
      },
    });
    new Gauge({
      name: "tollgate_budget_stops",
      help: "Runs stopped by a budget or guard, by stop reason (read from the store; counts every retained run)",
      labelNames: ["reason"],
      registers,
      async collect() {
        this.reset();
        for (const r of await store.stoppedRunCounts()) this.set({ reason: r.reason }, r.count);
      },
    });
    const sinkLabels = ["tenant", "workspace", "sink"] as const;
    // the registry collects metrics concurrently: the three sink gauges share one store read per scrape
    let snapshot: { at: number; rows: Promise<SinkRow[]> } | undefined;
    const sinkRows = (): Promise<SinkRow[]> => {
      const at = clock.now().getTime();
      if (!snapshot || Math.abs(at - snapshot.at) > 250) snapshot = { at, rows: readSinkRows(store, at) };
      return snapshot.rows;
    };
    const sinkGauge = (name: string, help: string, value: (r: SinkRow) => number) =>
      new Gauge({
        name,
        help,
        labelNames: sinkLabels,
        registers,
        async collect() {
          this.reset();
          for (const r of await sinkRows()) this.set(r.labels, value(r));
        },
      });
    sinkGauge("tollgate_audit_sink_lag_events", "Audit events not yet delivered to a SIEM sink", (r) => r.lagEvents);
    sinkGauge(
      "tollgate_audit_sink_lag_seconds",
      "Age of the oldest audit event not yet delivered to a SIEM sink (0 when caught up)",
      (r) => r.lagSeconds,
    );
    sinkGauge(
      "tollgate_audit_sink_consecutive_failures",
      "Failed deliveries in a row for a SIEM sink (0 when the last one succeeded)",
      (r) => r.failures,
    );
  }

  toolCall(decision: string, actionClass: string): void {
    this.calls.inc({ decision, class: actionClass });
  }

  stage(stage: CallStage, seconds: number): void {
    this.stageSeconds.observe({ stage }, seconds);
  }

  modelStage(stage: ModelCallStage, seconds: number): void {
    this.modelStageSeconds.observe({ stage }, seconds);
  }

  sinkDelivered(tenant: string, workspace: string, sink: string, n: number): void {
    this.sinkEvents.inc({ tenant, workspace, sink }, n);
  }

  sinkFailed(tenant: string, workspace: string, sink: string): void {
    this.sinkFailures.inc({ tenant, workspace, sink });
  }

  walRestartHeld(ms: number): void {
    this.walRestartHolds.observe(ms / 1000);
  }

  /**
   * The process's own metrics (`process_*`, `nodejs_*`: CPU, memory, event-loop lag, garbage
   * collections by kind). Once per process: they watch the process, not this instance, and
   * keep observers running for its lifetime (`tollgate serve` turns them on).
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
    observeGarbageCollections(this.registry);
  }
}

interface SinkRow {
  labels: { tenant: string; workspace: string; sink: string };
  lagEvents: number;
  lagSeconds: number;
  failures: number;
}

async function readSinkRows(store: Store, now: number): Promise<SinkRow[]> {
  const rows: SinkRow[] = [];
  for (const s of await store.allAuditSinks()) {
    const backlog = await store.scope(s.tenantId).audit.backlog(s.workspaceId, s.cursorSeq);
    rows.push({
      labels: { tenant: s.tenantId, workspace: s.workspaceId, sink: s.name },
      lagEvents: backlog.events,
      lagSeconds: backlog.oldestTs ? Math.max(0, (now - Date.parse(backlog.oldestTs)) / 1000) : 0,
      failures: s.failures,
    });
  }
  return rows;
}
