import {
  type CompiledWorkflow,
  costOf,
  hashJson,
  newId,
  type RedactionOptions,
  redactValue,
  reservationOf,
  spendPeriods,
  type TokenUsage,
  TollgateError,
} from "@tollgate/core";
import type { RunRecord, Store } from "@tollgate/store";
import { type Dispatcher, getGlobalDispatcher } from "undici";
import type { RunWatcher } from "../alerts/watch.js";
import { requestTarget } from "../connectors/target.js";
import type { CallService } from "../calls/service.js";
import { type Clock, iso } from "../clock.js";
import type { RedactionService } from "../data/redaction.js";
import type { ModelCallStage } from "../telemetry/metrics.js";
import type { SpanHandle } from "../telemetry/tracing.js";
import type { Principal } from "../identity/principal.js";
import type { WorkflowService } from "../workflows/service.js";
import type { ModelConfigService, ResolvedModel } from "./config.js";
import { SseReader } from "./sse.js";
import {
  type ModelApi,
  readRequest,
  StreamUsage,
  upstreamBody,
  upstreamHeaders,
  upstreamUrl,
  usageOfBody,
  type WireRequest,
} from "./wire.js";

export interface ModelProxyOptions {
  /** the output bound sent upstream when a request gives none (so the reservation is a true bound) */
  defaultMaxTokens: number;
  /** bound on waiting for the provider's first byte, and between bytes of a stream */
  timeoutMs: number;
}

export const defaultModelProxyOptions: ModelProxyOptions = { defaultMaxTokens: 4096, timeoutMs: 120_000 };

/** What the HTTP adapter sends back: a whole body, or the provider's stream chunk by chunk. */
export interface ModelAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | AsyncIterable<Uint8Array>;
}

/** The intent of one model call, written before it is sent. */
interface Intent {
  id: string;
  run: RunRecord;
  resolved: ResolvedModel;
  wire: WireRequest;
  reservedUsd: number;
  periods: { day: string; month: string };
  requestHash: string;
  startedAt: number;
  /** performance.now() when the call came in, for the stage histograms */
  began: number;
  /** the call's `chat` span, when tracing is on */
  span?: SpanHandle | undefined;
}

interface Settlement {
  status: "succeeded" | "failed";
  usage: TokenUsage | undefined;
  /** no usage reported: charge the reservation (the most it could have cost) */
  chargeReservation: boolean;
  error: { code: string; message: string; upstreamStatus?: number } | null;
  firstTokenMs: number | null;
}

/** Every detector: what it still finds in a redacted prompt left for the provider as it was. */
const detectEverything: RedactionOptions = { kinds: ["secrets", "pii"] };

/** Refuses inside the intent transaction so the run's reservation rolls back with it. */
class SpendCapRefusal extends Error {
  constructor(
    readonly stopReason: string,
    readonly cap: string,
    readonly limit: number,
  ) {
    super(stopReason);
  }
}

/**
 * The governed model call (DESIGN §3, the tool-call path minus the boundary): authenticate, run,
 * model allowed, prompt redaction, model-call cap and cost reservation (run budget and workspace
 * spend caps, one transaction with the intent record), provider call (streams pass through chunk
 * by chunk), settlement from the provider's reported usage, record. `call` reads top to bottom.
 */
export class ModelProxyService {
  constructor(
    private readonly store: Store,
    private readonly workflows: WorkflowService,
    private readonly calls: CallService,
    private readonly redaction: RedactionService,
    private readonly config: ModelConfigService,
    private readonly watcher: RunWatcher,
    private readonly clock: Clock,
    private readonly dispatcher: Dispatcher | undefined,
    private readonly opts: ModelProxyOptions = defaultModelProxyOptions,
  ) {}

  async call(
    p: Principal,
    runId: string,
    api: ModelApi,
    body: Record<string, unknown>,
    agentHeaders: Record<string, string | string[] | undefined>,
    signal?: AbortSignal,
  ): Promise<ModelAnswer> {
    const began = performance.now();
    // runningRun finds the run in the caller's workspace (404 otherwise), then checks the role
    const run = await this.calls.runningRun(p, this.store.scope(p.tenantId), runId);
    const wire = readRequest(api, body);
    try {
      this.checkPinnedModel(run, wire.model);
      const resolved = await this.config.resolve(p.tenantId, run.workspaceId, wire.model, api);
      const wf = await this.workflows.compiledVersion(p.tenantId, run.workspaceId, run.workflow, run.workflowVersion);
      const redactor = await this.redaction.forModelPrompt(p.tenantId, run.workspaceId, wf, run.id);
      const prompt = redactor.value(wire.prompt, "prompt");
      const promptText = JSON.stringify(prompt.value);
      const toolsText = body.tools === undefined ? "" : JSON.stringify(body.tools);
      const maxTokens = wire.maxTokens ?? this.opts.defaultMaxTokens;
      const reservedUsd = reservationOf(
        resolved.price,
        Buffer.byteLength(promptText) + Buffer.byteLength(toolsText),
        wire.messageCount,
        maxTokens,
      );
      const intent = await this.recordIntent(
        p,
        run,
        wf,
        resolved,
        wire,
        reservedUsd,
        {
          requestHash: hashJson({ model: wire.model, prompt: prompt.value, tools: body.tools ?? null }),
          promptChars: promptText.length,
          redacted: prompt.found,
          redactions: prompt.count,
          sentKinds: redactValue(prompt.value, detectEverything).found,
        },
        began,
      );
      this.stage("intent", began);
      intent.span = this.calls.telemetry?.tracing.modelCall({
        run,
        model: wire.model,
        provider: resolved.provider.name,
        ...(typeof agentHeaders.traceparent === "string" ? { traceparent: agentHeaders.traceparent } : {}),
      });
      const sent = upstreamBody(api, body, prompt.value, maxTokens, wire.maxTokens !== undefined);
      return await this.send(p, api, intent, sent, agentHeaders, signal);
    } catch (e) {
      if (e instanceof TollgateError && e.extra.modelCallId === undefined)
        this.watcher.modelCall({
          tenantId: p.tenantId,
          workspaceId: run.workspaceId,
          runId: run.id,
          name: wire.model,
          requestHash: "-",
          outcome: e.code,
        });
      throw e;
    }
  }

  /**
   * Start-up: model calls the process died in the middle of. Their usage is unknown, so they keep
   * their reservation as their cost (the most they could have cost) and end as failed, on record.
   */
  async recoverInterrupted(): Promise<number> {
    let n = 0;
    for (const tenantId of await this.store.tenantsWithExecutingModelCalls()) {
      for (const c of await this.store.scope(tenantId).modelCalls.listExecuting()) {
        const now = iso(this.clock);
        const error = { code: "interrupted", message: "Tollgate stopped during the call; its usage is unknown" };
        await this.store.transaction(tenantId, async (s) => {
          if (
            !(await s.modelCalls.finish(c.id, {
              status: "failed",
              inputTokens: 0,
              outputTokens: 0,
              costUsd: c.reservedUsd,
              error,
              firstTokenMs: null,
              durationMs: Date.parse(now) - Date.parse(c.createdAt),
              finishedAt: now,
            }))
          )
            return;
          n++;
          await s.audit.append(
            [
              {
                type: "model_call.failed",
                workspace: c.workspaceId,
                run: c.runId,
                data: {
                  modelCallId: c.id,
                  provider: c.provider,
                  model: c.model,
                  costUsd: c.reservedUsd,
                  reservedUsd: c.reservedUsd,
                  usageReported: false,
                  error,
                },
              },
            ],
            now,
          );
        });
      }
    }
    return n;
  }

  /** Stage: a run pinned to a model (its release's versions) calls only that model. */
  private checkPinnedModel(run: RunRecord, model: string): void {
    const pinned = (run as { versions?: { model?: string | null } | null }).versions?.model;
    if (pinned && pinned !== model)
      throw new TollgateError("model_not_allowed", `run ${run.id} is pinned to model ${pinned}, not ${model}`, {
        model,
        pinned,
        reason: "pinned",
      });
  }

  /**
   * Stage: model-call cap and cost reservation on the run, the workspace's daily and monthly spend,
   * the call row and its audit event: one transaction, written before anything is sent. A cap
   * that would be passed stops the run with a typed reason.
   */
  private async recordIntent(
    p: Principal,
    run: RunRecord,
    wf: CompiledWorkflow,
    resolved: ResolvedModel,
    wire: WireRequest,
    reservedUsd: number,
    seen: { requestHash: string; promptChars: number; redacted: string[]; redactions: number; sentKinds: string[] },
    began: number,
  ): Promise<Intent> {
    const id = newId("mc");
    const nowDate = this.clock.now();
    const now = nowDate.toISOString();
    const periods = spendPeriods(nowDate);
    let reserved: boolean;
    try {
      reserved = await this.store.transaction(p.tenantId, async (s) => {
        const caps = { modelCalls: wf.budgets.modelCalls, costUsd: wf.budgets.costUsd };
        // the run's reservation rides with the call's row (one statement on PostgreSQL)
        const row = {
          id,
          workspaceId: run.workspaceId,
          runId: run.id,
          workflow: run.workflow,
          agent: run.agent,
          provider: resolved.provider.name,
          api: resolved.provider.kind,
          model: wire.model,
          stream: wire.stream,
          requestHash: seen.requestHash,
          promptChars: seen.promptChars,
          redacted: seen.redacted,
          redactions: seen.redactions,
          sentKinds: seen.sentKinds,
          reservedUsd,
          requestedBy: p.keyId,
          createdAt: now,
        };
        if (!(await s.modelCalls.insertReserving(row, caps, reservedUsd))) return false;
        const { dailyUsd, monthlyUsd } = resolved.settings;
        const refused = await s.modelConfig.reserveSpend(run.workspaceId, reservedUsd, [
          { period: periods.day, cap: dailyUsd },
          { period: periods.month, cap: monthlyUsd },
        ]);
        if (refused === periods.day)
          throw new SpendCapRefusal("workspace_daily_spend_exceeded", "daily", dailyUsd ?? 0);
        if (refused === periods.month)
          throw new SpendCapRefusal("workspace_monthly_spend_exceeded", "monthly", monthlyUsd ?? 0);
        await s.audit.append(
          [
            {
              type: "model_call.requested",
              workspace: run.workspaceId,
              run: run.id,
              actor: p.keyId,
              data: {
                modelCallId: id,
                provider: resolved.provider.name,
                model: wire.model,
                stream: wire.stream,
                reservedUsd,
                redacted: seen.redacted,
                redactions: seen.redactions,
                sentKinds: seen.sentKinds,
                promptChars: seen.promptChars,
              },
            },
          ],
          now,
        );
        return true;
      });
    } catch (e) {
      if (e instanceof SpendCapRefusal) {
        await this.calls.stopRun(p, run, e.stopReason);
        this.watcher.capReached({
          tenantId: p.tenantId,
          workspaceId: run.workspaceId,
          runId: run.id,
          budget: e.cap,
          limit: e.limit,
          period: e.cap === "daily" ? periods.day : periods.month,
        });
        throw new TollgateError(
          "budget_exceeded",
          `workspace ${run.workspaceId} reached its ${e.cap} model spend cap of $${e.limit}; run ${run.id} was stopped`,
          { stopReason: e.stopReason, budget: `${e.cap}SpendUsd`, limit: e.limit },
        );
      }
      if (e instanceof TollgateError) throw e;
      throw new TollgateError("audit_unavailable", "the model call's record could not be written, so it was not sent", {
        cause: String((e as Error).message ?? e),
      });
    }
    if (!reserved) return this.budgetExhausted(p, run, wf, reservedUsd);
    return {
      id,
      run,
      resolved,
      wire,
      reservedUsd,
      periods,
      requestHash: seen.requestHash,
      startedAt: nowDate.getTime(),
      began,
    };
  }

  /** The run's reservation failed: the run ended meanwhile, or its model-call cap or cost budget would be passed. */
  private async budgetExhausted(
    p: Principal,
    run: RunRecord,
    wf: CompiledWorkflow,
    reservedUsd: number,
  ): Promise<never> {
    const fresh = await this.store.scope(p.tenantId).runs.get(run.id);
    if (fresh?.status !== "running")
      throw new TollgateError(
        "run_not_running",
        `run ${run.id} is ${fresh?.status ?? "gone"}${fresh?.stopReason ? ` (${fresh.stopReason})` : ""}`,
        { stopReason: fresh?.stopReason ?? null },
      );
    const calls = wf.budgets.modelCalls;
    const reached = (budget: string, limit: number) =>
      this.watcher.capReached({ tenantId: p.tenantId, workspaceId: run.workspaceId, runId: run.id, budget, limit });
    if (calls !== undefined && fresh.modelCalls >= calls) {
      await this.calls.stopRun(p, run, "model_calls_exceeded");
      reached("modelCalls", calls);
      throw new TollgateError(
        "budget_exceeded",
        `run ${run.id} used its budget of ${calls} model calls and was stopped`,
        { stopReason: "model_calls_exceeded", budget: "modelCalls", limit: calls },
      );
    }
    const budget = wf.budgets.costUsd ?? 0;
    await this.calls.stopRun(p, run, "cost_exceeded");
    reached("costUsd", budget);
    throw new TollgateError(
      "budget_exceeded",
      `run ${run.id} cannot afford this model call: it may cost up to $${reservedUsd.toFixed(6)} and $${Math.max(0, budget - fresh.costUsd).toFixed(6)} of its $${budget} budget is left; the run was stopped`,
      { stopReason: "cost_exceeded", budget: "costUsd", limit: budget, reservedUsd, spentUsd: fresh.costUsd },
    );
  }

  /** Stages provider call and settlement. A stream is settled when it ends, however it ends. */
  private async send(
    p: Principal,
    api: ModelApi,
    intent: Intent,
    body: Record<string, unknown>,
    agentHeaders: Record<string, string | string[] | undefined>,
    signal?: AbortSignal,
  ): Promise<ModelAnswer> {
    const { provider, apiKey } = intent.resolved;
    const sent = performance.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await (this.dispatcher ?? getGlobalDispatcher()).request({
        ...requestTarget(upstreamUrl(api, provider.baseUrl)),
        method: "POST",
        headers: upstreamHeaders(api, apiKey, agentHeaders),
        body: JSON.stringify(body),
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      const neverSent = isNeverSent(e);
      const message = `model provider ${provider.name} could not be reached: ${(e as Error).message}`;
      await this.settle(p, intent, {
        status: "failed",
        usage: undefined,
        chargeReservation: !neverSent,
        error: { code: "upstream_failed", message },
        firstTokenMs: null,
      });
      throw new TollgateError("upstream_failed", message, { modelCallId: intent.id, provider: provider.name });
    }
    const headers = {
      "content-type": String(res.headers["content-type"] ?? "application/json"),
      "x-tollgate-model-call": intent.id,
    };
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (!ok || !intent.wire.stream) return this.whole(p, api, intent, res, headers);

    const reader = new SseReader();
    const usage = new StreamUsage(api);
    const started = this.clock.now().getTime();
    let firstTokenMs: number | null = null;
    let completed = false;
    const self = this;
    async function* passThrough(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          if (firstTokenMs === null) self.stage("first_token", sent);
          firstTokenMs ??= self.clock.now().getTime() - started;
          for (const e of reader.push(chunk)) usage.see(e);
          yield chunk;
        }
        completed = true;
      } finally {
        if (!completed) res.body.destroy();
        const final = usage.final();
        await self.settle(p, intent, {
          status: completed ? "succeeded" : "failed",
          usage: final,
          chargeReservation: final === undefined,
          error: completed ? null : { code: "stream_interrupted", message: "the stream ended before it was complete" },
          firstTokenMs,
        });
      }
    }
    return { status: res.statusCode, headers, body: passThrough() };
  }

  /** A whole response: success with its usage, or the provider's error passed on in its own shape. */
  private async whole(
    p: Principal,
    api: ModelApi,
    intent: Intent,
    res: Dispatcher.ResponseData,
    headers: Record<string, string>,
  ): Promise<ModelAnswer> {
    const text = await res.body.text();
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const usage = ok ? usageOfBody(api, parsed) : undefined;
    const provider = intent.resolved.provider;
    const message = ok ? "" : providerMessage(parsed, res.statusCode);
    await this.settle(p, intent, {
      status: ok ? "succeeded" : "failed",
      usage,
      chargeReservation: ok && usage === undefined,
      error: ok ? null : { code: "provider_error", message, upstreamStatus: res.statusCode },
      firstTokenMs: null,
    });
    if (res.statusCode === 401 || res.statusCode === 403)
      // the provider refused Tollgate's key: the agent's own key is fine, so do not pass a 401 on
      throw new TollgateError(
        "upstream_failed",
        `model provider ${provider.name} refused Tollgate's API key (workspace secret ${provider.apiKeySecret}): ${message}`,
        { modelCallId: intent.id, provider: provider.name, upstreamStatus: res.statusCode },
      );
    const retryAfter = res.headers["retry-after"];
    return {
      status: res.statusCode,
      headers: { ...headers, ...(typeof retryAfter === "string" ? { "retry-after": retryAfter } : {}) },
      body: text,
    };
  }

  /** Stage: settlement. The run and the workspace are charged what the call cost, not what was reserved. */
  private async settle(p: Principal, intent: Intent, s: Settlement): Promise<void> {
    const { run, resolved, reservedUsd, periods } = intent;
    const costUsd = s.usage ? costOf(resolved.price, s.usage) : s.chargeReservation ? reservedUsd : 0;
    const delta = costUsd - reservedUsd;
    const durationMs = this.clock.now().getTime() - intent.startedAt;
    const now = iso(this.clock);
    // a provider's error may echo the prompt or a key: stored and audited through the tool calls' redaction
    const error = s.error && {
      ...s.error,
      message: (
        await this.redaction.forWorkflow(
          p.tenantId,
          run.workspaceId,
          await this.workflows.compiledVersion(p.tenantId, run.workspaceId, run.workflow, run.workflowVersion),
        )
      ).text(s.error.message).value,
    };
    endModelSpan(intent.span, s, costUsd);
    await this.store.transaction(p.tenantId, async (tx) => {
      if (delta !== 0) {
        await tx.runs.adjustCost(run.id, delta);
        await tx.modelConfig.reserveSpend(run.workspaceId, delta, [
          { period: periods.day, cap: null },
          { period: periods.month, cap: null },
        ]);
      }
      await tx.modelCalls.finish(intent.id, {
        status: s.status,
        inputTokens: s.usage?.inputTokens ?? 0,
        outputTokens: s.usage?.outputTokens ?? 0,
        costUsd,
        error,
        firstTokenMs: s.firstTokenMs,
        durationMs,
        finishedAt: now,
      });
      await tx.audit.append(
        [
          {
            type: s.status === "succeeded" ? "model_call.completed" : "model_call.failed",
            workspace: run.workspaceId,
            run: run.id,
            data: {
              modelCallId: intent.id,
              provider: resolved.provider.name,
              model: intent.wire.model,
              inputTokens: s.usage?.inputTokens ?? null,
              outputTokens: s.usage?.outputTokens ?? null,
              costUsd,
              reservedUsd,
              usageReported: s.usage !== undefined,
              durationMs,
              ...(s.firstTokenMs !== null ? { firstTokenMs: s.firstTokenMs } : {}),
              ...(error ? { error } : {}),
            },
          },
        ],
        now,
      );
    });
    this.stage("total", intent.began);
    this.watcher.modelCall({
      tenantId: p.tenantId,
      workspaceId: run.workspaceId,
      runId: run.id,
      name: intent.wire.model,
      requestHash: intent.requestHash,
      outcome: s.status,
    });
  }

  /** A stage's latency since `since` (a performance.now() value), when metrics are on. */
  private stage(stage: ModelCallStage, since: number): void {
    this.calls.telemetry?.metrics.modelStage(stage, (performance.now() - since) / 1000);
  }
}

/** Connection refused, unknown host, refused by the outbound check: the request never left. */
function isNeverSent(e: unknown): boolean {
  const code =
    (e as { code?: string; cause?: { code?: string } }).code ?? (e as { cause?: { code?: string } }).cause?.code;
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EOUTBOUND_REFUSED";
}

function providerMessage(body: unknown, status: number): string {
  const err = (body as { error?: { message?: unknown } } | undefined)?.error;
  const m = typeof err?.message === "string" ? err.message : `status ${status}`;
  return m.slice(0, 300);
}

/** The `chat` span carries the GenAI usage attributes once the provider has reported them. */
function endModelSpan(span: SpanHandle | undefined, s: Settlement, costUsd: number): void {
  if (!span) return;
  if (s.usage)
    span.set({ "gen_ai.usage.input_tokens": s.usage.inputTokens, "gen_ai.usage.output_tokens": s.usage.outputTokens });
  span.set({ "tollgate.cost_usd": costUsd });
  if (s.error) span.fail(s.error.code);
  span.end();
}
