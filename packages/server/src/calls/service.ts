import { performance } from "node:perf_hooks";
import {
  type CompiledAction,
  type CompiledWorkflow,
  type Decision,
  decide,
  type ErrorItem,
  hashJson,
  newId,
  newSpanId,
  readActingAs,
  resolveAction,
  TollgateError,
} from "@tollgate/core";
import type { RunRecord, Store, TenantScope, ToolCallRecord } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import type { RedactionService } from "../data/redaction.js";
import type { CallEvents } from "../events.js";
import { ownWorkspace, requireRole, can } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { Vault } from "../identity/vault.js";
import type { WorkflowService } from "../workflows/service.js";
import type { ToolPins } from "../connectors/mcp/pins.js";
import type { RateLimiter } from "../reliability/rate-limiter.js";
import { CallObservation, type Telemetry } from "../telemetry/calls.js";
import { endedRunOf } from "../telemetry/tracing.js";
import {
  type ApprovalFloodLimits,
  defaultApprovalFloodLimits,
  FloodRecorder,
  type RaiseFloodAlert,
  openApproval,
} from "../approvals/requests.js";
import { scriptedOutcome } from "../change-control/simulation.js";
import { type Executor, rateKey } from "./execute.js";
import { terminalCallStatuses, type ToolCallView, toolCallView } from "./view.js";

export interface ToolCallRequest {
  tool: string;
  args: Record<string, unknown>;
  idempotencyKey?: string;
  /** seconds to wait for an approval before answering 202 */
  wait?: number;
  /** the caller's W3C traceparent header, when it sent one */
  traceparent?: string;
}

/** A call whose upstream effect is unknown (a write that timed out after sending). */
export interface UnknownOutcome {
  tenantId: string;
  workspaceId: string;
  runId: string;
  callId: string;
  tool: string;
  message: string;
}

/** A governed call's outcome as listeners see it: a call status, or the error code it was refused with. */
export interface CallOutcomeNotice {
  tenantId: string;
  workspaceId: string;
  runId: string;
  tool: string;
  argsHash: string;
  outcome: string;
}

export type CallListener = (notice: CallOutcomeNotice) => void;

export interface ToolCallAnswer {
  httpStatus: 200 | 202;
  body: ToolCallView | (ToolCallView & { replayed: true });
}

const maxWaitSeconds = 60;

export interface CallLimits extends ApprovalFloodLimits {
  /** how long a call waits for its system's rate limit before 429 */
  rateLimitWaitMs: number;
  /** calls executing at once per workspace in this process, to protect Tollgate itself */
  concurrentCallsPerWorkspace: number;
  /** runs in status running per workspace; more are refused at start */
  runningRunsPerWorkspace: number;
}

export const defaultCallLimits: CallLimits = {
  rateLimitWaitMs: 2_000,
  concurrentCallsPerWorkspace: 256,
  runningRunsPerWorkspace: 1000,
  ...defaultApprovalFloodLimits,
};

/**
 * The governed tool call (DESIGN §3). `call` reads top to bottom in the order of the stages;
 * each stage is a small function. The intent (call row, budget reservation, decision event) is
 * one transaction written before anything runs: if it cannot be written, nothing runs.
 */
export class CallService {
  constructor(
    private readonly store: Store,
    private readonly workflows: WorkflowService,
    private readonly redaction: RedactionService,
    private readonly vault: Vault,
    private readonly executor: Executor,
    private readonly events: CallEvents,
    private readonly clock: Clock,
    private readonly rateLimiter: RateLimiter,
    private readonly limits: CallLimits = defaultCallLimits,
    private readonly pins?: ToolPins,
  ) {}

  private readonly inFlight = new Map<string, number>();
  private readonly listeners: CallListener[] = [];

  /** Listeners (the alerts watcher) learn each call's outcome after it is answered; they must not throw or block. */
  onOutcome(listener: CallListener): void {
    this.listeners.push(listener);
  }

  private readonly unknownOutcomeListeners: ((u: UnknownOutcome) => void)[] = [];

  /** A write may or may not have happened upstream: someone must look (the alerts service raises an alert). */
  onUnknownOutcome(listener: (u: UnknownOutcome) => void): void {
    this.unknownOutcomeListeners.push(listener);
  }

  private readonly runEndListeners: ((run: RunRecord) => void)[] = [];

  /** Listeners (the alerts watcher: a workflow's normal moves) learn that a run ended in this process. */
  onRunEnded(listener: (run: RunRecord) => void): void {
    this.runEndListeners.push(listener);
  }

  /** A run ended (finished, or stopped by a budget or guard). */
  runEnded(run: RunRecord): void {
    for (const l of this.runEndListeners) l(run);
  }

  private tellListeners(p: Principal, runId: string, req: ToolCallRequest, argsHash: string, outcome: string): void {
    if (this.listeners.length === 0) return;
    const notice = {
      tenantId: p.tenantId,
      workspaceId: p.workspaceId ?? "",
      runId,
      tool: String(req.tool),
      argsHash,
      outcome,
    };
    for (const l of this.listeners) l(notice);
  }
  private floodRecorder: FloodRecorder | undefined;
  /** set by app.ts: flood alerts go through the alerts service */
  raiseFloodAlert: RaiseFloodAlert | undefined;
  private get floods(): FloodRecorder {
    this.floodRecorder ??= new FloodRecorder(this.store, this.clock, this.raiseFloodAlert);
    return this.floodRecorder;
  }
  /** metrics and traces (set by app.ts) */
  telemetry: Telemetry | undefined;

  /** Per-workspace cap on calls in flight in this process: Tollgate protects itself. */
  async call(p: Principal, runId: string, req: ToolCallRequest, signal?: AbortSignal): Promise<ToolCallAnswer> {
    const key = `${p.tenantId}/${p.workspaceId}`;
    const n = this.inFlight.get(key) ?? 0;
    if (n >= this.limits.concurrentCallsPerWorkspace) {
      throw new TollgateError(
        "too_busy",
        `workspace ${p.workspaceId} already has ${n} calls in flight; retry shortly`,
        { retryAfterSeconds: 1 },
      );
    }
    this.inFlight.set(key, n + 1);
    const obs = this.telemetry?.observeCall(req.traceparent);
    const argsHash = hashJson(req.args ?? {});
    try {
      const answer = await this.governedCall(p, runId, req, argsHash, signal, obs);
      obs?.end();
      this.tellListeners(p, runId, req, argsHash, answer.body.status);
      return answer;
    } catch (e) {
      obs?.end(e);
      this.tellListeners(p, runId, req, argsHash, e instanceof TollgateError ? e.code : "internal");
      throw e;
    } finally {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    }
  }

  private async governedCall(
    p: Principal,
    runId: string,
    req: ToolCallRequest,
    argsHash: string,
    signal?: AbortSignal,
    obs?: CallObservation,
  ): Promise<ToolCallAnswer> {
    const scope = this.store.scope(p.tenantId);
    const run = await this.runningRun(p, scope, runId);
    obs?.begin(run, req.tool);
    const wf = await this.workflows.compiledVersion(p.tenantId, run.workspaceId, run.workflow, run.workflowVersion);
    const redactor = await this.redaction.forWorkflow(p.tenantId, run.workspaceId, wf);
    const storedArgs = redactor.value(req.args, "args").value;

    const action = resolveAction(wf, req.tool);
    if (!action) return this.refuseOutsideBoundary(p, run, req, storedArgs);
    await this.validateArgs(p, run, action, req.args, storedArgs);
    await this.checkToolPin(p, run, wf, action, req.args, storedArgs);

    if (req.idempotencyKey) {
      const replay = await this.replayIdempotent(scope, run.id, req.idempotencyKey, argsHash);
      if (replay) return replay;
    }
    const policyStarted = performance.now();
    const decision = decide(wf, {
      tool: { system: action.system, action: action.action, class: action.class },
      args: req.args,
      run: { agent: run.agent ?? undefined, actingAs: run.actingAs ?? undefined, labels: run.labels },
      usage: { toolCalls: run.toolCalls, modelCalls: run.modelCalls, costUsd: run.costUsd },
      now: this.clock.now(),
    });
    obs?.stage("policy", policyStarted);

    if (decision.effect === "allow" && !run.simulation)
      await this.awaitRateLimit(p, run, wf, action, storedArgs, this.limits.rateLimitWaitMs);
    const intentStarted = performance.now();
    const call = await this.recordIntent(p, run, wf, action, req, storedArgs, argsHash, decision).catch((e) =>
      this.floods.refusedIfFlooded(e, { principal: p, run, tool: action.id, args: storedArgs }),
    );
    obs?.stage("intent", intentStarted);
    obs?.decided(call);
    if (call.status === "blocked") {
      throw new TollgateError(call.error?.code === "loop_detected" ? "loop_detected" : "blocked", call.reason, {
        callId: call.id,
        rules: call.rules,
        reason: call.reason,
      });
    }
    if (call.status === "pending_approval") {
      const waited = await this.waitForOutcome(p.tenantId, call.id, Math.min(req.wait ?? 0, maxWaitSeconds), signal);
      return { httpStatus: terminalCallStatuses.has(waited.status) ? 200 : 202, body: toolCallView(waited) };
    }
    const done = await this.execute(p.tenantId, call, wf, action, req.args, run, obs);
    return { httpStatus: 200, body: toolCallView(done) };
  }

  /** Stage: the run must exist in the caller's workspace and still be running. */
  async runningRun(p: Principal, scope: TenantScope, runId: string): Promise<RunRecord> {
    const run = ownWorkspace(p, await scope.runs.get(runId), "run", runId);
    requireRole(p, can.act);
    if (run.status !== "running") {
      throw new TollgateError(
        "run_not_running",
        `run ${runId} is ${run.status}${run.stopReason ? ` (${run.stopReason})` : ""}`,
        {
          runStatus: run.status,
          stopReason: run.stopReason,
        },
      );
    }
    if (run.deadlineAt && this.clock.now().toISOString() > run.deadlineAt) {
      await this.stopRun(p, run, "wall_clock_exceeded");
      throw new TollgateError("budget_exceeded", `run ${runId} ran past its wall-clock budget and was stopped`, {
        stopReason: "wall_clock_exceeded",
      });
    }
    return run;
  }

  /** Stage: closed world. Anything not in the manifest is blocked, and on record. */
  private async refuseOutsideBoundary(
    p: Principal,
    run: RunRecord,
    req: ToolCallRequest,
    storedArgs: unknown,
  ): Promise<never> {
    const id = newId("call");
    const reason = `${req.tool} is not an action of workflow ${run.workflow}`;
    const now = iso(this.clock);
    await this.intentTransaction(p.tenantId, async (s) => {
      await s.toolCalls.insert({
        id,
        workspaceId: run.workspaceId,
        runId: run.id,
        tool: String(req.tool).slice(0, 160),
        class: "UNKNOWN",
        args: storedArgs,
        argsSealed: null,
        argsHash: hashJson(req.args),
        decision: "block",
        rules: ["outside_boundary"],
        reason,
        status: "blocked",
        approvalId: null,
        idempotencyKey: null,
        requestedBy: p.keyId,
        createdAt: now,
        startedAt: null,
      });
      await s.audit.append(
        [
          {
            type: "tool_call.decided",
            workspace: run.workspaceId,
            run: run.id,
            call: id,
            actor: p.keyId,
            data: { tool: req.tool, args: storedArgs, decision: "block", rules: ["outside_boundary"], reason },
          },
        ],
        now,
      );
    });
    throw new TollgateError("outside_boundary", reason, { callId: id, rules: ["outside_boundary"], reason });
  }

  /** Stage: arguments against the action's input schema. Refusals are audited, not stored as calls. */
  private async validateArgs(
    p: Principal,
    run: RunRecord,
    action: CompiledAction,
    args: unknown,
    storedArgs: unknown,
    validate: (args: unknown) => ErrorItem[] = action.validateArgs,
  ): Promise<void> {
    const errors = validate(args);
    if (errors.length === 0) return;
    await this.intentTransaction(p.tenantId, (s) =>
      s.audit.append(
        [
          {
            type: "tool_call.rejected",
            workspace: run.workspaceId,
            run: run.id,
            actor: p.keyId,
            data: { tool: action.id, args: storedArgs, errors },
          },
        ],
        iso(this.clock),
      ),
    );
    throw new TollgateError(
      "invalid_arguments",
      `arguments of ${action.id} do not match its input schema: ${errors[0]?.path} ${errors[0]?.message}`,
      { errors },
    );
  }

  /**
   * Stage: tool pin (MCP). The upstream's definition of the tool must still be the pinned one: a
   * changed description or schema (the "rug pull") is blocked, on record, until an admin accepts
   * it. Where the manifest gives no input schema, the arguments meet the pinned upstream one.
   */
  private async checkToolPin(
    p: Principal,
    run: RunRecord,
    wf: CompiledWorkflow,
    action: CompiledAction,
    args: Record<string, unknown>,
    storedArgs: unknown,
  ): Promise<void> {
    if (!this.pins || action.connector.type !== "mcp") return;
    const verdict = await this.pins.verify(p.tenantId, run.workspaceId, wf, action);
    if (verdict.changed) {
      const { reason, pinnedHash, currentHash } = verdict;
      await this.intentTransaction(p.tenantId, (s) =>
        s.audit.append(
          [
            {
              type: "tool_call.tool_changed",
              workspace: run.workspaceId,
              run: run.id,
              actor: p.keyId,
              data: {
                tool: action.id,
                upstreamTool: action.upstreamTool,
                args: storedArgs,
                pinnedHash,
                currentHash,
                reason,
              },
            },
          ],
          iso(this.clock),
        ),
      );
      throw new TollgateError("tool_changed", reason, { tool: action.id, pinnedHash, currentHash, reason });
    }
    if (verdict.validateArgs) await this.validateArgs(p, run, action, args, storedArgs, verdict.validateArgs);
  }

  /**
   * Stage: rate limit per (tenant, system). An allowed call waits here, before its intent is
   * written, so a refused call costs no budget; the refusal is audited. An upstream's 429 pauses
   * the system even where the manifest sets no rate.
   */
  async awaitRateLimit(
    p: Pick<Principal, "tenantId" | "keyId">,
    run: RunRecord,
    wf: CompiledWorkflow,
    action: CompiledAction,
    storedArgs: unknown,
    maxWaitMs: number,
  ): Promise<void> {
    try {
      await this.rateLimiter.acquire(
        rateKey(p.tenantId, action.system),
        wf.rateLimits.get(action.system),
        maxWaitMs,
        `system ${action.system}`,
      );
    } catch (e) {
      if (!(e instanceof TollgateError)) throw e;
      await this.intentTransaction(p.tenantId, (s) =>
        s.audit.append(
          [
            {
              type: "tool_call.rate_limited",
              workspace: run.workspaceId,
              run: run.id,
              actor: p.keyId,
              data: { tool: action.id, args: storedArgs, retryAfterSeconds: e.extra.retryAfterSeconds },
            },
          ],
          iso(this.clock),
        ),
      );
      throw e;
    }
  }

  /** Stage: an idempotency key replays the stored outcome of the same call. */
  private async replayIdempotent(
    scope: TenantScope,
    runId: string,
    key: string,
    argsHash: string,
  ): Promise<ToolCallAnswer | undefined> {
    const previous = await scope.toolCalls.findByIdempotencyKey(runId, key);
    if (!previous) return undefined;
    if (previous.argsHash !== argsHash) {
      throw new TollgateError("invalid_arguments", `idempotency key ${key} was used with other arguments`, {
        callId: previous.id,
      });
    }
    if (previous.status === "executing" || previous.status === "approved") {
      throw new TollgateError("conflict", `a call with idempotency key ${key} is still in progress`, {
        callId: previous.id,
      });
    }
    return {
      httpStatus: previous.status === "pending_approval" ? 202 : 200,
      body: { ...toolCallView(previous), replayed: true },
    };
  }

  /**
   * Stages loop guard, budget and approval, as one transaction with the intent record and its
   * audit event. The loop guard counts earlier calls of the same action with the same arguments
   * after the run row is locked by the reservation, so the count is exact.
   */
  private async recordIntent(
    p: Principal,
    run: RunRecord,
    wf: CompiledWorkflow,
    action: CompiledAction,
    req: ToolCallRequest,
    storedArgs: unknown,
    argsHash: string,
    decision: Decision,
  ): Promise<ToolCallRecord> {
    const id = newId("call");
    const now = iso(this.clock);
    const sealed =
      decision.effect === "approve"
        ? await this.vault.seal(p.tenantId, "tool_calls", id, JSON.stringify(req.args))
        : null;
    const outcome = await this.intentTransaction(p.tenantId, async (s) => {
      let effect = decision.effect;
      let rules = decision.rules;
      let reason = decision.reason;
      let loop = false;
      const maxRepeats = wf.budgets.maxRepeats;
      // the loop guard counts earlier calls once the reservation has locked the run row; without
      // a guard, the reservation rides with the call row's INSERT (one statement on PostgreSQL)
      const reserveWithRow = effect !== "block" && maxRepeats === undefined;
      if (effect !== "block" && maxRepeats !== undefined) {
        if (!(await s.runs.reserveToolCall(run.id, wf.budgets.toolCalls)))
          return { stop: "tool_calls_exceeded" as const };
        const repeats = await s.toolCalls.countRepeats(run.id, action.id, argsHash);
        if (repeats >= maxRepeats) {
          effect = "block";
          loop = true;
          rules = ["loop_guard"];
          reason = `the same call was already made ${repeats} times in this run (maxRepeats ${maxRepeats})`;
        }
      }
      const approvalId = effect === "approve" ? newId("apr") : null;
      const status = effect === "block" ? "blocked" : effect === "approve" ? "pending_approval" : "executing";
      const record = {
        id,
        workspaceId: run.workspaceId,
        runId: run.id,
        tool: action.id,
        class: action.class,
        args: storedArgs,
        argsSealed: sealed,
        argsHash,
        decision: effect,
        rules,
        reason,
        status,
        approvalId,
        idempotencyKey: req.idempotencyKey ?? null,
        requestedBy: p.keyId,
        createdAt: now,
        startedAt: status === "executing" ? now : null,
        actingAs: run.actingAs,
      } as const;
      if (!reserveWithRow) await s.toolCalls.insert(record);
      else if (!(await s.toolCalls.insertReserving(record, wf.budgets.toolCalls)))
        return { stop: "tool_calls_exceeded" as const };
      if (loop) await s.toolCalls.update(id, { error: { code: "loop_detected", message: reason } });
      const events = [
        {
          type: "tool_call.decided",
          workspace: run.workspaceId,
          run: run.id,
          call: id,
          actor: p.keyId,
          data: {
            tool: action.id,
            class: action.class,
            args: storedArgs,
            argsHash,
            decision: effect,
            rules,
            reason,
            workflowVersion: wf.version,
            actingAs: readActingAs(run.actingAs),
            ...(decision.errors ? { ruleErrors: decision.errors } : {}),
          },
        },
      ];
      if (approvalId) {
        const request = { approvalId, callId: id, workspaceId: run.workspaceId, runId: run.id, argsHash };
        const expiresAt = iso(this.clock, wf.approvals.timeoutMs);
        const asked = {
          requestedBy: p.keyId,
          tool: action.id,
          storedArgs,
          rules,
          reason,
          wf,
          decision,
          now,
          expiresAt,
        };
        events.push((await openApproval(s, { ...request, ...asked }, this.limits)) as never);
      }
      if (loop) {
        await s.runs.end(run.id, "stopped", now, { stopReason: "loop_detected" });
        events.push({
          type: "run.stopped",
          workspace: run.workspaceId,
          run: run.id,
          call: id,
          actor: null as never,
          data: { stopReason: "loop_detected", tool: action.id } as never,
        });
      }
      await s.audit.append(events, now);
      return {
        record: {
          ...record,
          rules: [...rules],
          result: null,
          error: loop ? { code: "loop_detected", message: reason } : null,
          attempts: 0,
          finishedAt: null,
          tenantId: p.tenantId,
        } as ToolCallRecord,
      };
    });
    if ("stop" in outcome) return this.budgetExhausted(p, run, wf);
    if (outcome.record.error?.code === "loop_detected") this.runEnded(run);
    return outcome.record;
  }

  /** The reservation failed: either the run ended meanwhile or its tool-call budget is spent. */
  private async budgetExhausted(p: Principal, run: RunRecord, wf: CompiledWorkflow): Promise<never> {
    const fresh = await this.store.scope(p.tenantId).runs.get(run.id);
    if (fresh && fresh.status !== "running") {
      throw new TollgateError(
        "run_not_running",
        `run ${run.id} is ${fresh.status}${fresh.stopReason ? ` (${fresh.stopReason})` : ""}`,
        { stopReason: fresh.stopReason },
      );
    }
    await this.stopRun(p, run, "tool_calls_exceeded");
    throw new TollgateError(
      "budget_exceeded",
      `run ${run.id} used its budget of ${wf.budgets.toolCalls} tool calls and was stopped`,
      {
        stopReason: "tool_calls_exceeded",
        budget: "toolCalls",
        limit: wf.budgets.toolCalls,
      },
    );
  }

  async stopRun(p: Principal, run: RunRecord, stopReason: string): Promise<void> {
    const now = iso(this.clock);
    await this.store.transaction(p.tenantId, async (s) => {
      if (await s.runs.end(run.id, "stopped", now, { stopReason })) {
        await s.audit.append(
          [{ type: "run.stopped", workspace: run.workspaceId, run: run.id, actor: p.keyId, data: { stopReason } }],
          now,
        );
        await this.cancelPendingApprovals(s, run, now, stopReason);
      }
    });
    this.runEnded(run);
    this.traceRunEnd(p.tenantId, run.id);
  }

  /** The run's span is written when it ends (only read back when tracing is on). */
  private traceRunEnd(tenantId: string, runId: string): void {
    if (!this.telemetry?.tracing.enabled) return;
    void this.store
      .scope(tenantId)
      .runs.get(runId)
      .then((r) => {
        const ended = r && endedRunOf(r);
        if (ended) this.telemetry?.tracing.runEnded(ended);
      })
      .catch(() => undefined);
  }

  async cancelPendingApprovals(s: TenantScope, run: RunRecord, now: string, why: string): Promise<string[]> {
    const pending = await s.approvals.listPendingForRun(run.id);
    for (const a of pending) {
      await s.approvals.decide(a.id, {
        status: "cancelled",
        decidedBy: null,
        decidedByName: null,
        decidedAt: now,
        reason: `run ended: ${why}`,
        channel: null,
      });
      await s.toolCalls.update(
        a.callId,
        {
          status: "cancelled",
          finishedAt: now,
          argsSealed: null,
          error: { code: "cancelled", message: `run ended: ${why}` },
        },
        "pending_approval",
      );
    }
    if (pending.length > 0) {
      await s.audit.append(
        pending.map((a) => ({
          type: "approval.cancelled",
          workspace: run.workspaceId,
          run: run.id,
          call: a.callId,
          data: { approvalId: a.id, reason: `run ended: ${why}` },
        })),
        now,
      );
    }
    for (const a of pending) this.events.notify(a.callId);
    return pending.map((a) => a.callId);
  }

  /** Fail closed: if the intent cannot be written, the call does not run. */
  private async intentTransaction<T>(tenantId: string, fn: (s: TenantScope) => Promise<T>): Promise<T> {
    try {
      return await this.store.transaction(tenantId, fn);
    } catch (e) {
      if (e instanceof TollgateError) throw e;
      if (isUniqueViolation(e))
        throw new TollgateError("conflict", "a call with this idempotency key is already in progress");
      throw new TollgateError("audit_unavailable", "the audit record could not be written, so the call was not run", {
        cause: String((e as Error).message ?? e),
      });
    }
  }

  /** Stages credentials, execute, redact, store: the outcome is written after the call. */
  async execute(
    tenantId: string,
    call: ToolCallRecord,
    wf: CompiledWorkflow,
    action: CompiledAction,
    args: Record<string, unknown>,
    run: RunRecord,
    observation?: CallObservation,
  ): Promise<ToolCallRecord> {
    const started = this.clock.now().getTime();
    // a call run after its approval gets a span of its own, under the run
    const obs =
      observation ?? (this.telemetry ? CallObservation.forExecution(this.telemetry, run, call.tool) : undefined);
    const upstreamStarted = performance.now();
    let outcome: Awaited<ReturnType<Executor["execute"]>>;
    try {
      // Simulated runs (evals) get the scripted response; the real system is never called.
      outcome = run.simulation
        ? scriptedOutcome(run.simulation, call.tool, args)
        : await this.executor.execute({
            tenantId,
            workspaceId: run.workspaceId,
            wf,
            action,
            args,
            traceparent: obs?.traceparent(run.traceId) ?? `00-${run.traceId}-${newSpanId()}-01`,
            actingAs: run.actingAs,
            ...(call.idempotencyKey
              ? { idempotencyKey: `${run.id}:${call.idempotencyKey}` }
              : { idempotencyKey: call.id }),
          });
    } catch (e) {
      const code = e instanceof TollgateError ? e.code : "internal";
      outcome = { status: "failed", error: { code, message: (e as Error).message }, attempts: 0, retried: [] };
    }
    obs?.stage("upstream", upstreamStarted);
    obs?.outcome(outcome.status, outcome.attempts, outcome.error);
    const redactor = await this.redaction.forWorkflow(tenantId, run.workspaceId, wf);
    const result = outcome.result === undefined ? undefined : redactor.value(outcome.result, "result").value;
    const error = outcome.error ? { ...outcome.error, message: redactor.text(outcome.error.message).value } : undefined;
    const now = iso(this.clock);
    const durationMs = this.clock.now().getTime() - started;
    await this.store.transaction(tenantId, async (s) => {
      await s.toolCalls.update(call.id, {
        status: outcome.status,
        ...(result !== undefined ? { result } : {}),
        ...(error ? { error } : {}),
        attempts: outcome.attempts,
        finishedAt: now,
        argsSealed: null,
      });
      await s.audit.append(
        [
          ...outcome.retried.map((a) => ({
            type: "tool_call.attempt_failed",
            workspace: run.workspaceId,
            run: run.id,
            call: call.id,
            ts: a.at,
            data: {
              tool: call.tool,
              attempt: a.attempt,
              error: redactor.text(a.error).value,
              ...(a.upstreamStatus ? { upstreamStatus: a.upstreamStatus } : {}),
              retryInMs: a.delayMs,
            },
          })),
          {
            type:
              outcome.status === "succeeded"
                ? "tool_call.completed"
                : outcome.status === "outcome_unknown"
                  ? "tool_call.outcome_unknown"
                  : "tool_call.failed",
            workspace: run.workspaceId,
            run: run.id,
            call: call.id,
            data: {
              tool: call.tool,
              status: outcome.status,
              attempts: outcome.attempts,
              durationMs,
              ...(error ? { error } : {}),
            },
          },
        ],
        now,
      );
    });
    this.events.notify(call.id);
    if (outcome.status === "outcome_unknown") {
      const u = {
        tenantId,
        workspaceId: run.workspaceId,
        runId: run.id,
        callId: call.id,
        tool: call.tool,
        message: error?.message ?? "outcome unknown",
      };
      for (const l of this.unknownOutcomeListeners) l(u);
    }
    if (!observation) obs?.end(error ? new Error(error.message) : undefined);
    const done = {
      ...call,
      status: outcome.status,
      result: result ?? null,
      error: error ?? null,
      attempts: outcome.attempts,
      finishedAt: now,
    };
    if (outcome.status === "failed" && call.status === "executing" && !call.approvalId) {
      const status =
        error?.code === "credentials_unavailable" || error?.code === "circuit_open" || error?.code === "rate_limited"
          ? error.code
          : "upstream_failed";
      throw new TollgateError(status, error?.message ?? "the upstream call failed", {
        callId: call.id,
        ...(error?.upstreamStatus ? { upstreamStatus: error.upstreamStatus } : {}),
        attempts: outcome.attempts,
      });
    }
    if (outcome.status === "outcome_unknown" && !call.approvalId) {
      throw new TollgateError("upstream_failed", error?.message ?? "outcome unknown", {
        callId: call.id,
        callStatus: "outcome_unknown",
      });
    }
    return done;
  }

  notifyDone(callId: string): void {
    this.events.notify(callId);
  }

  /** `GET /v1/tool-calls/{id}?wait=`: answers at once when done, else when it is, or at the bound. */
  async get(p: Principal, id: string, waitSeconds: number, signal?: AbortSignal): Promise<ToolCallView> {
    requireRole(p, can.readRuns);
    const call = ownWorkspace(p, await this.store.scope(p.tenantId).toolCalls.get(id), "tool call", id);
    if (terminalCallStatuses.has(call.status) || waitSeconds <= 0) return toolCallView(call);
    return toolCallView(await this.waitForOutcome(p.tenantId, id, Math.min(waitSeconds, maxWaitSeconds), signal));
  }

  private async waitForOutcome(
    tenantId: string,
    id: string,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<ToolCallRecord> {
    const deadline = Date.now() + waitSeconds * 1000;
    const scope = this.store.scope(tenantId);
    for (;;) {
      const call = await scope.toolCalls.get(id);
      if (!call) throw new TollgateError("not_found", `no tool call ${id}`);
      const left = deadline - Date.now();
      if (terminalCallStatuses.has(call.status) || left <= 0 || signal?.aborted) return call;
      await this.events.wait(id, left, signal);
    }
  }
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err.code === "23505" ||
    err.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    /UNIQUE constraint failed/.test(err.message ?? "")
  );
}
