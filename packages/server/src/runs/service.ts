import { formatActingAs, newId, newTraceId, TollgateError } from "@tollgate/core";
import type { RunFilter, RunRecord, RunStatus, Store } from "@tollgate/store";
import type { CallService } from "../calls/service.js";
import { type Clock, iso } from "../clock.js";
import { can, ownWorkspace, requireRole, workspaceAccess } from "../identity/access.js";
import { parseActingAsInput } from "../identity/connections.js";
import type { Principal } from "../identity/principal.js";
import type { WorkflowService } from "../workflows/service.js";
import type { RequestedVersions, RunVersionResolver } from "../change-control/run-versions.js";
import type { Telemetry } from "../telemetry/calls.js";
import { endedRunOf } from "../telemetry/tracing.js";
import { toolCallView } from "../calls/view.js";
import { buildTimeline } from "./timeline.js";
import { runView } from "./view.js";

export { runView };

export interface StartRunRequest {
  workspace: string;
  workflow: string;
  agent?: string;
  /** `{kind: user|service, id}`, or the string forms `service`, `user:<id>` (a bare string names a user) */
  actingAs?: string | { kind: string; id?: string | undefined };
  labels?: Record<string, string>;
  traceId?: string;
  /** prompt versions (hash or label), model, manifest version; or a release (issue 11) */
  versions?: RequestedVersions["versions"];
  release?: string;
  /** a simulated run: scripted tool responses instead of the real systems (evals) */
  simulation?: { responses: Record<string, unknown> };
}

export class RunService {
  /** metrics and traces (set by app.ts) */
  telemetry: Telemetry | undefined;
  /** resolves the versions a run is pinned to (set by app.ts) */
  versions: RunVersionResolver | undefined;

  constructor(
    private readonly store: Store,
    private readonly workflows: WorkflowService,
    private readonly calls: CallService,
    private readonly clock: Clock,
    private readonly maxRunningPerWorkspace = 1000,
  ) {}

  async start(p: Principal, req: StartRunRequest) {
    const tenantId = await workspaceAccess(this.store, p, req.workspace, can.act);
    const running = await this.store.scope(tenantId).runs.countRunning(req.workspace);
    if (running >= this.maxRunningPerWorkspace) {
      throw new TollgateError(
        "too_busy",
        `workspace ${req.workspace} already has ${running} running runs; finish some first`,
        { retryAfterSeconds: 5 },
      );
    }
    const pinned = await this.versions?.resolve(tenantId, req.workspace, req.workflow, req);
    const wf = pinned?.workflow
      ? await this.workflows.compiledVersion(tenantId, req.workspace, req.workflow, pinned.workflow)
      : await this.workflows.compiledActive(tenantId, req.workspace, req.workflow);
    const versions = pinned && {
      ...pinned,
      workflow: wf.version,
      tools: await (this.versions as RunVersionResolver).toolHashes(tenantId, req.workspace, req.workflow, wf.version),
    };
    if (req.actingAs === undefined && wf.manifest.actingAs === "user")
      throw new TollgateError("invalid_request", `workflow ${req.workflow} acts as a user: say which with actingAs`);
    // Whose authority the run uses, checked against the workflow's actingAs; stored as one string.
    const identity = parseActingAsInput(req.actingAs ?? "service");
    if (wf.manifest.actingAs !== "both" && wf.manifest.actingAs !== identity.kind) {
      throw new TollgateError(
        "forbidden",
        `workflow ${req.workflow} acts as ${wf.manifest.actingAs}, not as ${identity.kind}`,
      );
    }
    const actingAs = formatActingAs(identity);
    const now = this.clock.now();
    const run = await this.store.transaction(tenantId, async (s) => {
      const r = await s.runs.create({
        id: newId("run"),
        workspaceId: req.workspace,
        workflow: req.workflow,
        workflowVersion: wf.version,
        agent: req.agent ?? p.name,
        actingAs,
        labels: req.labels ?? {},
        traceId: req.traceId ?? newTraceId(),
        startedBy: p.keyId,
        startedAt: now.toISOString(),
        deadlineAt: wf.budgets.wallClockMs ? new Date(now.getTime() + wf.budgets.wallClockMs).toISOString() : null,
        versions: versions ?? null,
        simulation: req.simulation ?? null,
      });
      await s.audit.append(
        [
          {
            type: "run.started",
            workspace: req.workspace,
            run: r.id,
            actor: p.keyId,
            data: {
              workflow: req.workflow,
              workflowVersion: wf.version,
              agent: r.agent,
              actingAs: identity,
              labels: r.labels,
              traceId: r.traceId,
              ...(versions ? { versions } : {}),
              ...(req.simulation ? { simulated: true } : {}),
            },
          },
        ],
        now.toISOString(),
      );
      return r;
    });
    return runView(run);
  }

  async get(p: Principal, id: string): Promise<RunRecord> {
    requireRole(p, can.readRuns);
    return ownWorkspace(p, await this.store.scope(p.tenantId).runs.get(id), "run", id);
  }

  async list(p: Principal, workspaceId: string, filter: Omit<RunFilter, "workspaceId">) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readRuns);
    const runs = await this.store.scope(tenantId).runs.list({ workspaceId, ...filter });
    return { items: runs.map(runView) };
  }

  async finish(
    p: Principal,
    id: string,
    status: Extract<RunStatus, "succeeded" | "failed" | "cancelled">,
    output: unknown,
  ) {
    const run = await this.get(p, id);
    requireRole(p, can.act);
    const now = iso(this.clock);
    const ended = await this.store.transaction(p.tenantId, async (s) => {
      if (!(await s.runs.end(id, status, now, { output }))) return false;
      await s.audit.append(
        [{ type: "run.finished", workspace: run.workspaceId, run: id, actor: p.keyId, data: { status } }],
        now,
      );
      await this.calls.cancelPendingApprovals(s, run, now, `finished as ${status}`);
      return true;
    });
    if (!ended)
      throw new TollgateError("run_not_running", `run ${id} already ended as ${run.status}`, { runStatus: run.status });
    this.calls.runEnded(run);
    const fresh = (await this.store.scope(p.tenantId).runs.get(id)) as RunRecord;
    const endedRun = endedRunOf(fresh);
    if (endedRun) this.telemetry?.tracing.runEnded(endedRun);
    return runView(fresh);
  }

  /** What the run did, call by call (stored, redacted arguments and results): for inspection and replay. */
  async recordedCalls(p: Principal, id: string) {
    const run = await this.get(p, id);
    const scope = this.store.scope(p.tenantId);
    const toolCalls = await scope.toolCalls.listByRun(run.id);
    // model calls keep the hash of the redacted request, its size and the kinds redacted, not the text
    const modelCalls = (await scope.modelCalls.listForRun(run.id)).map((m) => ({
      id: m.id,
      provider: m.provider,
      model: m.model,
      status: m.status,
      requestHash: m.requestHash,
      promptChars: m.promptChars,
      redacted: m.redacted,
      usage: { inputTokens: m.inputTokens, outputTokens: m.outputTokens, costUsd: m.costUsd },
      ...(m.error ? { error: m.error } : {}),
      createdAt: m.createdAt,
    }));
    return { run: run.id, versions: runView(run).versions, toolCalls: toolCalls.map(toolCallView), modelCalls };
  }

  async timeline(p: Principal, id: string) {
    const run = await this.get(p, id);
    const scope = this.store.scope(p.tenantId);
    const events = await scope.audit.list({ runId: id, limit: 10_000 });
    return buildTimeline(runView(run), events);
  }
}
