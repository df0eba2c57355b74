import { newId } from "@tollgate/core";
import type { AuditSinkRecord, Store } from "@tollgate/store";
import type { FastifyBaseLogger } from "fastify";
import { type Clock, iso } from "../clock.js";
import type { Metrics } from "../telemetry/metrics.js";
import type { ExportEvent } from "./formats/index.js";
import type { AuditSigner } from "./signing.js";
import { configOf, type SinkTransports } from "./sinks/open.js";

export interface DeliveryOptions {
  /** how often the job looks for work; 0 runs no timer (tests call runOnce) */
  intervalMs: number;
  /** how long one replica holds a sink while it delivers */
  leaseMs: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** consecutive failures after which an alert is raised */
  alertAfterFailures: number;
  /** an undelivered event older than this raises an alert */
  alertLagSeconds: number;
  /** a tenant's chain is signed after this many new events (and on every export) */
  checkpointEvery: number;
  /** batches one sink may send in one turn before others get theirs */
  batchesPerTurn: number;
}

export const defaultDeliveryOptions: DeliveryOptions = {
  intervalMs: 1_000,
  leaseMs: 60_000,
  baseBackoffMs: 1_000,
  maxBackoffMs: 5 * 60_000,
  alertAfterFailures: 5,
  alertLagSeconds: 15 * 60,
  checkpointEvery: 1_000,
  batchesPerTurn: 20,
};

/** Where sink alerts go: the alerts service when there is one, else an `alert.raised` audit event. */
export interface SinkAlerts {
  raise(
    tenantId: string,
    workspaceId: string,
    sink: string,
    message: string,
    details: Record<string, unknown>,
  ): Promise<void>;
  resolve(tenantId: string, workspaceId: string, sink: string, message: string): Promise<void>;
}

export function auditEventAlerts(store: Store, clock: Clock): SinkAlerts {
  const write = (tenantId: string, workspaceId: string, type: string, data: Record<string, unknown>) =>
    store.transaction(tenantId, (s) => s.audit.append([{ type, workspace: workspaceId, data }], iso(clock)));
  return {
    async raise(tenantId, workspaceId, sink, message, details) {
      await write(tenantId, workspaceId, "alert.raised", { kind: "audit_sink", subject: sink, message, ...details });
    },
    async resolve(tenantId, workspaceId, sink, message) {
      await write(tenantId, workspaceId, "alert.resolved", { kind: "audit_sink", subject: sink, message });
    },
  };
}

export interface TurnReport {
  delivered: number;
  failed: number;
  checkpoints: number;
}

/**
 * The export job. The audit table is the outbox: each sink has a cursor, and a turn sends the
 * events after it, in seq order, batch by batch, moving the cursor only after the receiver has a
 * batch (at least once, in order per tenant; receivers drop duplicates by the event id). A failing
 * sink waits with exponential backoff; calls never wait for sinks. A sink is taken with a lease,
 * so replicas share the work without sending one sink twice.
 */
export class AuditDelivery {
  readonly owner = newId("rep");
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<TurnReport> = Promise.resolve({ delivered: 0, failed: 0, checkpoints: 0 });

  constructor(
    private readonly store: Store,
    private readonly transports: SinkTransports,
    private readonly signer: AuditSigner,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly alerts: SinkAlerts,
    private readonly log: FastifyBaseLogger,
    private readonly opts: DeliveryOptions = defaultDeliveryOptions,
  ) {}

  start(): void {
    if (this.opts.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.runOnce().catch((e) => this.log.error({ err: e }, "audit export turn failed"));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.current.catch(() => undefined);
  }

  /** One turn: sign due checkpoints, then deliver every due sink. Turns never overlap in one process. */
  runOnce(): Promise<TurnReport> {
    const next = this.current.catch(() => undefined).then(() => this.turn());
    this.current = next;
    return next;
  }

  private async turn(): Promise<TurnReport> {
    const report: TurnReport = { delivered: 0, failed: 0, checkpoints: 0 };
    for (const t of await this.store.tenantsDueForCheckpoint(this.opts.checkpointEvery)) {
      try {
        await this.signer.checkpoint(t.tenantId);
        report.checkpoints++;
      } catch (e) {
        this.log.error({ err: e, tenant: t.tenantId }, "signing an audit checkpoint failed");
      }
    }
    for (const sink of await this.store.dueAuditSinks(iso(this.clock))) {
      const r = await this.deliver(sink);
      report.delivered += r.delivered;
      if (r.failed) report.failed++;
    }
    return report;
  }

  private async deliver(sink: AuditSinkRecord): Promise<{ delivered: number; failed: boolean }> {
    const { tenantId, workspaceId, name } = sink;
    const repo = this.store.scope(tenantId).auditSinks;
    if (!(await repo.tryLease(workspaceId, name, this.owner, iso(this.clock), iso(this.clock, this.opts.leaseMs))))
      return { delivered: 0, failed: false };
    let delivered = 0;
    try {
      const config = configOf(sink);
      const transport = await this.transports.open(tenantId, workspaceId, config);
      let cursor = sink.cursorSeq;
      for (let i = 0; i < this.opts.batchesPerTurn; i++) {
        const batch = await this.batchAfter(tenantId, workspaceId, cursor, config.batchSize);
        if (batch.length === 0) break;
        await transport.send(batch);
        const last = batch[batch.length - 1]!.event.seq;
        await repo.advance(workspaceId, name, this.owner, last, batch.length, iso(this.clock));
        this.metrics.sinkDelivered(tenantId, workspaceId, name, batch.length);
        delivered += batch.length;
        cursor = last;
        if (batch.length < config.batchSize) break;
      }
      await this.checkLag(sink, cursor);
      return { delivered, failed: false };
    } catch (e) {
      const failures = sink.failures + 1;
      const message = e instanceof Error ? e.message : String(e);
      const backoff = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** Math.min(failures - 1, 20));
      const jittered = Math.round(backoff * (0.8 + Math.random() * 0.4));
      await repo.recordFailure(workspaceId, name, this.owner, message, iso(this.clock), iso(this.clock, jittered));
      this.metrics.sinkFailed(tenantId, workspaceId, name);
      this.log.warn(
        { tenant: tenantId, workspace: workspaceId, sink: name, failures, err: message },
        "audit sink delivery failed",
      );
      if (failures >= this.opts.alertAfterFailures && !sink.alertedAt) {
        await this.alerts.raise(
          tenantId,
          workspaceId,
          name,
          `audit sink ${name} failed ${failures} times in a row: ${message}`,
          {
            failures,
            lastError: message,
          },
        );
        await repo.setAlerted(workspaceId, name, iso(this.clock));
      }
      return { delivered, failed: true };
    } finally {
      await repo.releaseLease(workspaceId, name, this.owner).catch(() => undefined);
    }
  }

  /** Raises an alert when undelivered events are too old; clears it when the sink has caught up. */
  private async checkLag(sink: AuditSinkRecord, cursor: number): Promise<void> {
    const { tenantId, workspaceId, name } = sink;
    const backlog = await this.store.scope(tenantId).audit.backlog(workspaceId, cursor);
    const ageSeconds = backlog.oldestTs ? (this.clock.now().getTime() - Date.parse(backlog.oldestTs)) / 1000 : 0;
    const repo = this.store.scope(tenantId).auditSinks;
    if (ageSeconds > this.opts.alertLagSeconds && !sink.alertedAt) {
      await this.alerts.raise(tenantId, workspaceId, name, `audit sink ${name} is ${Math.round(ageSeconds)} s behind`, {
        lagEvents: backlog.events,
        lagSeconds: Math.round(ageSeconds),
      });
      await repo.setAlerted(workspaceId, name, iso(this.clock));
    } else if (sink.alertedAt && ageSeconds <= this.opts.alertLagSeconds) {
      await repo.setAlerted(workspaceId, name, null);
      await this.alerts.resolve(tenantId, workspaceId, name, `audit sink ${name} delivers again and has caught up`);
    }
  }

  /** The next events of a workspace after a cursor, with their runs' trace ids. */
  private async batchAfter(
    tenantId: string,
    workspaceId: string,
    afterSeq: number,
    limit: number,
  ): Promise<ExportEvent[]> {
    const scope = this.store.scope(tenantId);
    const events = await scope.audit.list({ workspaceId, afterSeq, limit });
    const traceIds = new Map<string, string>();
    for (const runId of new Set(events.map((e) => e.run).filter((r): r is string => r !== null))) {
      const run = await scope.runs.get(runId);
      if (run) traceIds.set(runId, run.traceId);
    }
    return events.map((event) => ({
      tenant: tenantId,
      event,
      traceId: (event.run && traceIds.get(event.run)) || null,
    }));
  }
}
