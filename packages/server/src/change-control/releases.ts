import {
  type EvalReport,
  type EvalSuite,
  checkEvalCase,
  hashJson,
  newId,
  parseEvalSuite,
  TollgateError,
} from "@tollgate/core";
import type { ReleaseActivationRecord, ReleaseRecord, RunRecord, Store, TenantScope } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import { can, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { PromptService } from "./prompts.js";
import { observedRun } from "./observed-run.js";

export interface NewReleaseRequest {
  workflow: string;
  /** default: the workflow's active manifest version */
  workflowVersion?: string;
  /** prompt name → version hash or label (labels are resolved now) */
  prompts?: Record<string, string>;
  model?: string;
  description?: string;
}

export interface EvalReportUpload {
  /** the suite file's text: the server re-checks its expectations against its own record of the runs */
  suite: string;
  report: EvalReport;
}

const sameMap = (a: Record<string, string>, b: Record<string, string>) => hashJson(a) === hashJson(b);

/**
 * Releases: a manifest version, prompt versions and a model, activated per workflow only with a
 * passing eval report for that exact release, or by an admin override with a reason. Activation
 * and rollback move the workflow's active release by compare-and-set, with the audit event, in one
 * transaction.
 */
export class ReleaseService {
  constructor(
    private readonly store: Store,
    private readonly prompts: PromptService,
    private readonly clock: Clock,
  ) {}

  async create(p: Principal, workspaceId: string, req: NewReleaseRequest) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const scope = this.store.scope(tenantId);
    const workflowVersion =
      req.workflowVersion ?? (await scope.workflows.getActive(workspaceId, req.workflow))?.version;
    if (!workflowVersion)
      throw new TollgateError("not_found", `no workflow ${req.workflow} in workspace ${workspaceId}`);
    if (!(await scope.workflows.getVersion(workspaceId, req.workflow, workflowVersion)))
      throw new TollgateError("not_found", `no version ${workflowVersion} of workflow ${req.workflow}`);
    const prompts: Record<string, string> = {};
    for (const [name, ref] of Object.entries(req.prompts ?? {}))
      prompts[name] = (await this.prompts.byRef(tenantId, workspaceId, name, ref)).version;
    const now = iso(this.clock);
    const release: ReleaseRecord = {
      id: newId("rel"),
      workspaceId,
      workflow: req.workflow,
      workflowVersion,
      prompts,
      model: req.model ?? null,
      description: req.description ?? null,
      createdAt: now,
      createdBy: p.keyId,
    };
    await this.store.transaction(tenantId, async (s) => {
      await s.releases.create(release);
      await s.audit.append(
        [
          {
            type: "release.created",
            workspace: workspaceId,
            actor: p.keyId,
            data: { releaseId: release.id, ...versionsOf(release) },
          },
        ],
        now,
      );
    });
    return this.view(scope, release);
  }

  async get(p: Principal, workspaceId: string, id: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readRuns);
    const scope = this.store.scope(tenantId);
    return this.view(scope, await this.release(scope, workspaceId, id));
  }

  async list(p: Principal, workspaceId: string, workflow?: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readRuns);
    const scope = this.store.scope(tenantId);
    const items = await Promise.all((await scope.releases.list(workspaceId, workflow)).map((r) => this.view(scope, r)));
    return { items };
  }

  /**
   * Stores an eval report for the release. Its verdict is the server's own: each case's run must
   * be a simulated run of this workspace pinned to exactly this release's versions, and the suite's
   * expectations are re-checked against the runs as Tollgate recorded them.
   */
  async addEvalReport(p: Principal, workspaceId: string, id: string, upload: EvalReportUpload) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.act);
    const scope = this.store.scope(tenantId);
    const release = await this.release(scope, workspaceId, id);
    const suite = parseEvalSuite(upload.suite);
    if (suite.workflow !== release.workflow)
      throw new TollgateError(
        "invalid_request",
        `suite ${suite.suite} is of workflow ${suite.workflow}, release ${id} of ${release.workflow}`,
      );
    const failures = await this.verifyCases(scope, release, suite, upload.report);
    const passed = failures.length === 0;
    const stored = { ...upload.report, release: id, passed, serverFailures: failures };
    const reportHash = `sha256:${hashJson({ suite: upload.suite, report: stored })}`;
    const now = iso(this.clock);
    const reportId = newId("evr");
    await this.store.transaction(tenantId, async (s) => {
      await s.releases.addEvalReport({
        id: reportId,
        workspaceId,
        releaseId: id,
        suite: suite.suite,
        passed,
        report: { suite: upload.suite, report: stored },
        reportHash,
        uploadedAt: now,
        uploadedBy: p.keyId,
      });
      await s.audit.append(
        [
          {
            type: "release.eval_reported",
            workspace: workspaceId,
            actor: p.keyId,
            data: { releaseId: id, reportId, suite: suite.suite, passed, reportHash, failures },
          },
        ],
        now,
      );
    });
    return { id: reportId, releaseId: id, suite: suite.suite, passed, reportHash, failures };
  }

  private async verifyCases(scope: TenantScope, release: ReleaseRecord, suite: EvalSuite, report: EvalReport) {
    const failures: string[] = [];
    const byName = new Map(report.cases.map((c) => [c.name, c]));
    for (const c of suite.cases) {
      const reported = byName.get(c.name);
      if (!reported) {
        failures.push(`case "${c.name}" has no run in the report`);
        continue;
      }
      const run = await scope.runs.get(reported.runId);
      const why = run ? runMismatch(run, release) : `run ${reported.runId} does not exist`;
      if (why) {
        failures.push(`case "${c.name}": ${why}`);
        continue;
      }
      const observed = observedRun(run as RunRecord, await scope.toolCalls.listByRun(reported.runId));
      for (const check of checkEvalCase(c, observed))
        if (!check.passed) failures.push(`case "${c.name}": ${check.check}: ${check.detail}`);
    }
    return failures;
  }

  /** Makes the release the active one of its workflow: needs a passing eval report, or an override. */
  async activate(p: Principal, workspaceId: string, id: string, override?: { reason: string }) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    const scope = this.store.scope(tenantId);
    const release = await this.release(scope, workspaceId, id);
    const report = (await scope.releases.evalReports(id)).find((r) => r.passed);
    if (!report && !override)
      throw new TollgateError(
        "release_not_evaluated",
        `release ${id} has no passing eval report: run \`tollgate eval --release ${id}\`, or activate with an override and a reason`,
        { releaseId: id },
      );
    return this.moveActive(tenantId, p, release.workflow, workspaceId, (current) => ({
      releaseId: id,
      kind: report ? "activate" : "override",
      previousActivationId: current?.id ?? null,
      evalReportId: report?.id ?? null,
      overrideReason: report ? null : (override?.reason ?? null),
    }));
  }

  /** Restores the release that was active before the current one. */
  async rollback(p: Principal, workspaceId: string, workflow: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.manage);
    return this.moveActive(tenantId, p, workflow, workspaceId, (current, previous) => {
      if (!current) throw new TollgateError("conflict", `workflow ${workflow} has no active release to roll back`);
      if (!previous)
        throw new TollgateError(
          "conflict",
          `release ${current.releaseId} is the first one activated for ${workflow}: nothing to roll back to`,
        );
      return {
        releaseId: previous.releaseId,
        kind: "rollback",
        previousActivationId: previous.previousActivationId,
        evalReportId: previous.evalReportId,
        overrideReason: null,
      };
    });
  }

  /** The release new runs of the workflow use when they name no versions. */
  async active(p: Principal, workspaceId: string, workflow: string) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.readRuns);
    const scope = this.store.scope(tenantId);
    const activation = await scope.releases.active(workspaceId, workflow);
    if (!activation) throw new TollgateError("not_found", `workflow ${workflow} has no active release`);
    const release = await this.release(scope, workspaceId, activation.releaseId);
    return { ...(await this.view(scope, release)), activation };
  }

  private async moveActive(
    tenantId: string,
    p: Principal,
    workflow: string,
    workspaceId: string,
    next: (
      current: ReleaseActivationRecord | undefined,
      previous: ReleaseActivationRecord | undefined,
    ) => Pick<
      ReleaseActivationRecord,
      "releaseId" | "kind" | "previousActivationId" | "evalReportId" | "overrideReason"
    >,
  ) {
    const now = iso(this.clock);
    return this.store.transaction(tenantId, async (s) => {
      const current = await s.releases.active(workspaceId, workflow);
      const previous = current?.previousActivationId
        ? await s.releases.activation(current.previousActivationId)
        : undefined;
      const a: ReleaseActivationRecord = {
        id: newId("act"),
        workspaceId,
        workflow,
        activatedAt: now,
        activatedBy: p.keyId,
        ...next(current, previous),
      };
      if (!(await s.releases.activate(a, current?.id ?? null)))
        throw new TollgateError("conflict", `the active release of ${workflow} changed meanwhile; try again`);
      const release = (await s.releases.get(a.releaseId)) as ReleaseRecord;
      await s.audit.append(
        [
          {
            type: a.kind === "rollback" ? "release.rolled_back" : "release.activated",
            workspace: workspaceId,
            actor: p.keyId,
            data: {
              releaseId: a.releaseId,
              activationId: a.id,
              kind: a.kind,
              previousReleaseId: current?.releaseId ?? null,
              evalReportId: a.evalReportId,
              ...(a.overrideReason ? { overrideReason: a.overrideReason } : {}),
              ...versionsOf(release),
            },
          },
        ],
        now,
      );
      return { activation: a, releaseId: a.releaseId, previousReleaseId: current?.releaseId ?? null };
    });
  }

  private async release(scope: TenantScope, workspaceId: string, id: string): Promise<ReleaseRecord> {
    const r = await scope.releases.get(id);
    if (!r || r.workspaceId !== workspaceId)
      throw new TollgateError("not_found", `no release ${id} in workspace ${workspaceId}`);
    return r;
  }

  private async view(scope: TenantScope, r: ReleaseRecord) {
    const reports = await scope.releases.evalReports(r.id);
    const active = await scope.releases.active(r.workspaceId, r.workflow);
    return {
      id: r.id,
      workspace: r.workspaceId,
      ...versionsOf(r),
      description: r.description,
      createdAt: r.createdAt,
      createdBy: r.createdBy,
      active: active?.releaseId === r.id,
      evalReports: reports.map((x) => ({
        id: x.id,
        suite: x.suite,
        passed: x.passed,
        reportHash: x.reportHash,
        uploadedAt: x.uploadedAt,
        uploadedBy: x.uploadedBy,
      })),
    };
  }
}

const versionsOf = (r: ReleaseRecord) => ({
  workflow: r.workflow,
  workflowVersion: r.workflowVersion,
  prompts: r.prompts,
  model: r.model,
});

/** Why a run cannot stand as evidence for the release, or undefined when it can. */
function runMismatch(run: RunRecord, release: ReleaseRecord): string | undefined {
  if (run.workspaceId !== release.workspaceId) return `run ${run.id} does not exist`;
  if (!run.simulation) return `run ${run.id} was not a simulated run`;
  if (run.workflow !== release.workflow || run.versions?.workflow !== release.workflowVersion)
    return `run ${run.id} ran workflow version ${run.versions?.workflow ?? run.workflowVersion}, the release has ${release.workflowVersion}`;
  if (!sameMap(run.versions.prompts, release.prompts))
    return `run ${run.id} ran other prompt versions than the release`;
  if ((run.versions.model ?? null) !== release.model)
    return `run ${run.id} ran model ${run.versions.model ?? "(none)"}, the release has ${release.model ?? "(none)"}`;
  return undefined;
}
