import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { EvalReportRecord, ReleaseActivationRecord, ReleaseRecord } from "../records.js";
import type { Database, ReleaseActivationsTable, ReleaseEvalReportsTable, ReleasesTable } from "../schema.js";

const toRelease = (r: ReleasesTable): ReleaseRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  workflow: r.workflow,
  workflowVersion: r.workflow_version,
  prompts: fromJson(r.prompts, {}),
  model: r.model,
  description: r.description,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const toReport = (r: ReleaseEvalReportsTable): EvalReportRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  releaseId: r.release_id,
  suite: r.suite,
  passed: Number(r.passed) === 1,
  report: fromJson(r.report, null),
  reportHash: r.report_hash,
  uploadedAt: r.uploaded_at,
  uploadedBy: r.uploaded_by,
});

const toActivation = (r: ReleaseActivationsTable): ReleaseActivationRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  workflow: r.workflow,
  releaseId: r.release_id,
  kind: r.kind as ReleaseActivationRecord["kind"],
  previousActivationId: r.previous_activation_id,
  evalReportId: r.eval_report_id,
  overrideReason: r.override_reason,
  activatedAt: r.activated_at,
  activatedBy: r.activated_by,
});

/** Releases (manifest version, prompt versions, model), their eval reports and activations. */
export class ReleasesRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async create(r: ReleaseRecord): Promise<void> {
    await this.db
      .insertInto("releases")
      .values({
        id: r.id,
        tenant_id: this.tenantId,
        workspace_id: r.workspaceId,
        workflow: r.workflow,
        workflow_version: r.workflowVersion,
        prompts: toJson(r.prompts),
        model: r.model,
        description: r.description,
        created_at: r.createdAt,
        created_by: r.createdBy,
      })
      .execute();
  }

  async get(id: string): Promise<ReleaseRecord | undefined> {
    const r = await this.db
      .selectFrom("releases")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toRelease(r);
  }

  async list(workspaceId: string, workflow?: string): Promise<ReleaseRecord[]> {
    let q = this.db
      .selectFrom("releases")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId);
    if (workflow) q = q.where("workflow", "=", workflow);
    const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").execute();
    return rows.map(toRelease);
  }

  async addEvalReport(r: EvalReportRecord): Promise<void> {
    await this.db
      .insertInto("release_eval_reports")
      .values({
        id: r.id,
        tenant_id: this.tenantId,
        workspace_id: r.workspaceId,
        release_id: r.releaseId,
        suite: r.suite,
        passed: r.passed ? 1 : 0,
        report: toJson(r.report),
        report_hash: r.reportHash,
        uploaded_at: r.uploadedAt,
        uploaded_by: r.uploadedBy,
      })
      .execute();
  }

  /** The release's eval reports, newest first. */
  async evalReports(releaseId: string): Promise<EvalReportRecord[]> {
    const rows = await this.db
      .selectFrom("release_eval_reports")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("release_id", "=", releaseId)
      .orderBy("uploaded_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map(toReport);
  }

  /** The activation in force for a workflow of a workspace. */
  async active(workspaceId: string, workflow: string): Promise<ReleaseActivationRecord | undefined> {
    const a = await this.db
      .selectFrom("active_releases")
      .select("activation_id")
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("workflow", "=", workflow)
      .executeTakeFirst();
    return a ? this.activation(a.activation_id) : undefined;
  }

  async activation(id: string): Promise<ReleaseActivationRecord | undefined> {
    const r = await this.db
      .selectFrom("release_activations")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toActivation(r);
  }

  async activations(workspaceId: string, workflow: string): Promise<ReleaseActivationRecord[]> {
    const rows = await this.db
      .selectFrom("release_activations")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("workflow", "=", workflow)
      .orderBy("activated_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map(toActivation);
  }

  /**
   * Records an activation and makes it the one in force, only if the one in force is still
   * `expectedActive` (compare-and-set, so two admins cannot both move it). False when it moved.
   */
  async activate(a: ReleaseActivationRecord, expectedActive: string | null): Promise<boolean> {
    await this.db
      .insertInto("release_activations")
      .values({
        id: a.id,
        tenant_id: this.tenantId,
        workspace_id: a.workspaceId,
        workflow: a.workflow,
        release_id: a.releaseId,
        kind: a.kind,
        previous_activation_id: a.previousActivationId,
        eval_report_id: a.evalReportId,
        override_reason: a.overrideReason,
        activated_at: a.activatedAt,
        activated_by: a.activatedBy,
      })
      .execute();
    if (expectedActive === null) {
      const r = await this.db
        .insertInto("active_releases")
        .values({
          tenant_id: this.tenantId,
          workspace_id: a.workspaceId,
          workflow: a.workflow,
          activation_id: a.id,
          release_id: a.releaseId,
          updated_at: a.activatedAt,
        })
        .onConflict((oc) => oc.columns(["tenant_id", "workspace_id", "workflow"]).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    }
    const r = await this.db
      .updateTable("active_releases")
      .set({ activation_id: a.id, release_id: a.releaseId, updated_at: a.activatedAt })
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", a.workspaceId)
      .where("workflow", "=", a.workflow)
      .where("activation_id", "=", expectedActive)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
