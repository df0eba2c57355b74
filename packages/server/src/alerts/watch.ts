import { farAbove, levelsReached, spendPeriods } from "@tollgate/core";
import type { RunRecord, Store } from "@tollgate/store";
import type { CallOutcomeNotice } from "../calls/service.js";
import type { Clock } from "../clock.js";
import type { WorkflowService } from "../workflows/service.js";
import { NoticedCache } from "../identity/noticed-cache.js";
import type { AlertService } from "./service.js";

export interface WatchOptions {
  /** this many blocked or failed calls in one run within the window is a burst */
  burstCount: number;
  burstWindowMs: number;
  /** the same call (action or model, same arguments or prompt) this many times in one run */
  repeatCount: number;
  /** how many recent ended runs of the workflow make its normal */
  historyRuns: number;
  /** fractions of each budget and cap that alert */
  levels: readonly number[];
  /**
   * distinct calls remembered for the repeat alert, over all runs; past it the runs seen longest
   * ago are forgotten first (memory stays bounded however many long runs there are)
   */
  maxRepeatKeys: number;
}

export const defaultWatchOptions: WatchOptions = {
  burstCount: 5,
  burstWindowMs: 60_000,
  repeatCount: 3,
  historyRuns: 20,
  levels: [0.8, 1],
  maxRepeatKeys: 100_000,
};

/** What the watcher learns of one call, tool or model. */
export interface CallSeen {
  tenantId: string;
  workspaceId: string;
  runId: string;
  kind: "tool" | "model";
  /** the action id or the model */
  name: string;
  /** hash of the arguments or of the redacted prompt */
  requestHash: string;
  /** a call status or the error code it was refused with */
  outcome: string;
}

/** Outcomes that count towards a burst: refused by governance, or failed upstream. */
const badOutcomes = new Set([
  "blocked",
  "outside_boundary",
  "loop_detected",
  "tool_changed",
  "invalid_arguments",
  "failed",
  "upstream_failed",
  "outcome_unknown",
  "credentials_unavailable",
  "circuit_open",
  "model_not_allowed",
]);

interface RunState {
  calls: number;
  bad: number[];
  repeats: Map<string, number>;
  toolCap?: number | undefined;
}

const maxRuns = 10_000;
/** distinct calls remembered per run for the repeat alert; the oldest are forgotten first */
const maxRepeatKeysPerRun = 10_000;
/** how long a workflow's recent normal is reused before it is read again */
const normalCacheMs = 30_000;

/**
 * Watches runs for alerts. Per call, in memory and cheap: bursts of blocked or failed calls and
 * repeated identical calls. Per run, from the database and off the call's path: 80% and 100% of
 * each budget and of the workspace's spend caps, and a run's cost or call count far above its
 * workflow's recent normal (median and MAD of its last ended runs). Checks of one run are
 * coalesced, so a busy run costs one check at a time. With several replicas each sees its own
 * calls; budget and anomaly checks read the shared database, so they are exact.
 */
export class RunWatcher {
  /** by tenant and run, the run seen longest ago first */
  private readonly runs = new Map<string, RunState>();
  /** distinct calls remembered over all runs */
  private repeatKeys = 0;
  /** each workflow's last ended runs, by tenant, workspace and workflow; dropped when one of its runs ends */
  private readonly normals: NoticedCache<{ id: string; costUsd: number; calls: number }[]>;
  private readonly checks = new Map<string, { again: boolean; spend: boolean }>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly workflows: WorkflowService,
    private readonly alerts: AlertService,
    private readonly clock: Clock,
    private readonly log: (msg: string, err: unknown) => void,
    private readonly opts: WatchOptions = defaultWatchOptions,
  ) {
    this.normals = new NoticedCache({ ttlMs: normalCacheMs, maxEntries: maxRuns, now: () => clock.now().getTime() });
  }

  /** The CallService listener: a tool call was answered. */
  readonly onToolCall = (n: CallOutcomeNotice): void => {
    const state = this.see({ ...n, kind: "tool", name: n.tool, requestHash: n.argsHash });
    const nearCap = state.toolCap !== undefined && state.calls >= state.toolCap * Math.min(...this.opts.levels);
    if (
      state.calls === 1 ||
      state.calls % 10 === 0 ||
      nearCap ||
      n.outcome === "budget_exceeded" ||
      n.outcome === "run_not_running"
    )
      this.check(n.tenantId, n.runId, false);
  };

  /** A run ended in this process: its workflow's normal is read again at the next check. */
  readonly onRunEnded = (run: { tenantId: string; workspaceId: string; workflow: string }): void => {
    this.normals.changed(normalKey(run.tenantId, run.workspaceId, run.workflow));
  };

  /** A model call ended (or was refused): counted like a tool call, and its run checked with the spend caps. */
  modelCall(seen: Omit<CallSeen, "kind">): void {
    this.see({ ...seen, kind: "model" });
    this.check(seen.tenantId, seen.runId, true);
  }

  /**
   * A cap refused a call: that is 100% of it, whatever was spent (a reservation can be refused
   * before the last cent is used). Same condition key as the threshold alert, so it alerts once.
   */
  capReached(c: {
    tenantId: string;
    workspaceId: string;
    runId: string;
    budget: string;
    limit: number;
    period?: string;
  }): void {
    const workspaceCap = c.period !== undefined;
    this.alerts.raiseQuietly({
      tenantId: c.tenantId,
      workspaceId: c.workspaceId,
      kind: workspaceCap ? "spend_cap_threshold" : "budget_threshold",
      severity: "critical",
      runId: c.runId,
      message: workspaceCap
        ? `workspace ${c.workspaceId} reached its ${c.budget} model spend cap of $${c.limit} for ${c.period}; run ${c.runId} was stopped`
        : `run ${c.runId} reached its ${c.budget} budget (${c.limit}) and was stopped`,
      data: workspaceCap
        ? { cap: c.budget, period: c.period, level: 100, limitUsd: c.limit, refused: true }
        : { budget: c.budget, level: 100, limit: c.limit, refused: true },
      dedupeKey: workspaceCap
        ? `spend:${c.workspaceId}:${c.budget}:${c.period}:100`
        : `budget:${c.runId}:${c.budget}:100`,
    });
  }

  /** Resolves when every check started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.alerts.idle();
  }

  private see(c: CallSeen): RunState {
    const key = `${c.tenantId}/${c.runId}`;
    let state = this.runs.get(key);
    if (state)
      this.runs.delete(key); // seen now: it moves to the end
    else {
      if (this.runs.size >= maxRuns) this.forgetOldestRun();
      state = { calls: 0, bad: [], repeats: new Map() };
    }
    this.runs.set(key, state);
    state.calls++;
    const now = this.clock.now().getTime();
    if (badOutcomes.has(c.outcome)) {
      state.bad = state.bad.filter((t) => now - t < this.opts.burstWindowMs);
      state.bad.push(now);
      if (state.bad.length >= this.opts.burstCount)
        this.alerts.raiseQuietly({
          tenantId: c.tenantId,
          workspaceId: c.workspaceId,
          kind: "call_burst",
          severity: "warning",
          runId: c.runId,
          message: `run ${c.runId} had ${state.bad.length} blocked or failed calls within ${Math.round(this.opts.burstWindowMs / 1000)} s (last: ${c.name}, ${c.outcome})`,
          data: {
            count: state.bad.length,
            windowMs: this.opts.burstWindowMs,
            last: { kind: c.kind, name: c.name, outcome: c.outcome },
          },
          dedupeKey: `call_burst:${c.runId}`,
        });
    }
    const same = `${c.kind}:${c.name}:${c.requestHash}`;
    const n = (state.repeats.get(same) ?? 0) + 1;
    if (n === 1) {
      if (state.repeats.size >= Math.min(maxRepeatKeysPerRun, this.opts.maxRepeatKeys)) {
        state.repeats.delete(state.repeats.keys().next().value as string);
        this.repeatKeys--;
      }
      while (this.repeatKeys >= this.opts.maxRepeatKeys && this.runs.size > 1) this.forgetOldestRun();
      this.repeatKeys++;
    }
    state.repeats.set(same, n);
    if (n === this.opts.repeatCount)
      this.alerts.raiseQuietly({
        tenantId: c.tenantId,
        workspaceId: c.workspaceId,
        kind: "repeated_call",
        severity: "warning",
        runId: c.runId,
        message: `run ${c.runId} made the same ${c.kind === "tool" ? "tool call" : "model call"} (${c.name}) ${n} times`,
        data: { callKind: c.kind, name: c.name, requestHash: c.requestHash, count: n },
        dedupeKey: `repeated_call:${c.runId}:${same}`,
      });
    return state;
  }

  /**
   * The workflow's last ended runs, read again when a run ends in this process, and at least every
   * `normalCacheMs` (runs ended by other replicas): a busy run is checked every tenth tool call and
   * after every model call, while the normal moves only when runs end. One more run is read than
   * used, so the run being checked is left out even when it has just ended.
   */
  private async recentNormal(tenantId: string, run: RunRecord): Promise<{ costUsd: number; calls: number }[]> {
    const runs = await this.normals.read(normalKey(tenantId, run.workspaceId, run.workflow), () =>
      this.store.scope(tenantId).runs.recentEnded(run.workspaceId, run.workflow, this.opts.historyRuns + 1),
    );
    return (runs ?? []).filter((r) => r.id !== run.id).slice(0, this.opts.historyRuns);
  }

  /** Forgets the run seen longest ago: its burst and repeat counts start over if it calls again. */
  private forgetOldestRun(): void {
    const [key, state] = this.runs.entries().next().value as [string, RunState];
    this.runs.delete(key);
    this.repeatKeys -= state.repeats.size;
  }

  /** Distinct calls remembered for the repeat alert, over all runs (for tests). */
  get rememberedCalls(): number {
    return this.repeatKeys;
  }

  /** Coalesced: one check of a run at a time; a request meanwhile runs it once more afterwards. */
  private check(tenantId: string, runId: string, spend: boolean): void {
    const key = `${tenantId}/${runId}`;
    const running = this.checks.get(key);
    if (running) {
      running.again = true;
      running.spend ||= spend;
      return;
    }
    const state = { again: false, spend };
    this.checks.set(key, state);
    const work = (async () => {
      try {
        do {
          state.again = false;
          const withSpend = state.spend;
          state.spend = false;
          await this.checkRun(tenantId, runId, withSpend);
        } while (state.again);
      } catch (e) {
        this.log("checking a run for alerts failed", e);
      } finally {
        this.checks.delete(key);
      }
    })();
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async checkRun(tenantId: string, runId: string, spend: boolean): Promise<void> {
    const scope = this.store.scope(tenantId);
    const run = await scope.runs.get(runId);
    if (!run) return;
    const wf = await this.workflows.compiledVersion(tenantId, run.workspaceId, run.workflow, run.workflowVersion);
    const state = this.runs.get(`${tenantId}/${runId}`);
    if (state) state.toolCap = wf.budgets.toolCalls;
    const budgets: [string, number, number | undefined][] = [
      ["toolCalls", run.toolCalls, wf.budgets.toolCalls],
      ["modelCalls", run.modelCalls, wf.budgets.modelCalls],
      ["costUsd", run.costUsd, wf.budgets.costUsd],
    ];
    for (const [budget, used, limit] of budgets)
      for (const level of levelsReached(used, limit, this.opts.levels)) {
        const pct = Math.round(level * 100);
        await this.alerts.raise({
          tenantId,
          workspaceId: run.workspaceId,
          kind: "budget_threshold",
          severity: level >= 1 ? "critical" : "warning",
          runId,
          message: `run ${runId} of ${run.workflow} used ${pct}% of its ${budget} budget (${round(used)} of ${limit})`,
          data: { budget, level: pct, used: round(used), limit },
          dedupeKey: `budget:${runId}:${budget}:${pct}`,
        });
      }
    if (spend) await this.checkSpendCaps(tenantId, run.workspaceId);
    await this.checkNormal(tenantId, run);
  }

  private async checkSpendCaps(tenantId: string, workspaceId: string): Promise<void> {
    const scope = this.store.scope(tenantId);
    const settings = await scope.modelConfig.settings(workspaceId);
    if (!settings) return;
    const periods = spendPeriods(this.clock.now());
    const caps: [string, string, number | null][] = [
      ["daily", periods.day, settings.dailyUsd],
      ["monthly", periods.month, settings.monthlyUsd],
    ];
    for (const [cap, period, limit] of caps) {
      if (limit === null) continue;
      const used = await scope.modelConfig.spend(workspaceId, period);
      for (const level of levelsReached(used, limit, this.opts.levels)) {
        const pct = Math.round(level * 100);
        await this.alerts.raise({
          tenantId,
          workspaceId,
          kind: "spend_cap_threshold",
          severity: level >= 1 ? "critical" : "warning",
          message: `workspace ${workspaceId} spent ${pct}% of its ${cap} model spend cap for ${period} ($${round(used)} of $${limit})`,
          data: { cap, period, level: pct, usedUsd: round(used), limitUsd: limit },
          dedupeKey: `spend:${workspaceId}:${cap}:${period}:${pct}`,
        });
      }
    }
  }

  /** A run far above its workflow's recent normal, in cost or in calls. */
  private async checkNormal(tenantId: string, run: RunRecord): Promise<void> {
    const history = await this.recentNormal(tenantId, run);
    const measures: [string, number, number[], string][] = [
      ["cost", run.costUsd, history.map((h) => h.costUsd), "USD"],
      ["calls", run.toolCalls + run.modelCalls, history.map((h) => h.calls), "calls"],
    ];
    for (const [measure, value, past, unit] of measures) {
      const verdict = farAbove(value, past);
      if (!verdict.outlier) continue;
      await this.alerts.raise({
        tenantId,
        workspaceId: run.workspaceId,
        kind: measure === "cost" ? "run_cost_anomaly" : "run_calls_anomaly",
        severity: "warning",
        runId: run.id,
        message: `run ${run.id} of ${run.workflow} is far above its workflow's normal ${measure}: ${round(value)} ${unit} against a median of ${round(verdict.median)} over its last ${past.length} runs`,
        data: {
          measure,
          value: round(value),
          median: round(verdict.median),
          mad: round(verdict.mad),
          score: round(verdict.score),
          history: past.length,
        },
        dedupeKey: `anomaly:${measure}:${run.id}`,
      });
    }
  }
}

const normalKey = (tenantId: string, workspaceId: string, workflow: string) => `${tenantId}/${workspaceId}/${workflow}`;
const round = (n: number) => Math.round(n * 1e6) / 1e6;
