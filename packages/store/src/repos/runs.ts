import { type Kysely, sql } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { RunRecord, RunStatus } from "../records.js";
import type { Database, RunsTable } from "../schema.js";

const toRecord = (r: RunsTable): RunRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  workspaceId: r.workspace_id,
  workflow: r.workflow,
  workflowVersion: r.workflow_version,
  agent: r.agent,
  actingAs: r.acting_as,
  labels: fromJson(r.labels, {}),
  traceId: r.trace_id,
  status: r.status as RunStatus,
  stopReason: r.stop_reason,
  toolCalls: Number(r.tool_calls),
  modelCalls: Number(r.model_calls),
  costUsd: Number(r.cost_usd),
  startedBy: r.started_by,
  startedAt: r.started_at,
  deadlineAt: r.deadline_at,
  endedAt: r.ended_at,
  output: fromJson(r.output, null),
});

export type NewRun = Omit<
  RunRecord,
  "tenantId" | "status" | "stopReason" | "toolCalls" | "modelCalls" | "costUsd" | "endedAt" | "output"
>;

export interface RunFilter {
  workspaceId?: string;
  workflow?: string;
  status?: string;
  limit?: number;
}

export class RunsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async create(r: NewRun): Promise<RunRecord> {
    const row: RunsTable = {
      id: r.id,
      tenant_id: this.tenantId,
      workspace_id: r.workspaceId,
      workflow: r.workflow,
      workflow_version: r.workflowVersion,
      agent: r.agent,
      acting_as: r.actingAs,
      labels: toJson(r.labels),
      trace_id: r.traceId,
      status: "running",
      stop_reason: null,
      tool_calls: 0,
      model_calls: 0,
      cost_usd: 0,
      started_by: r.startedBy,
      started_at: r.startedAt,
      deadline_at: r.deadlineAt,
      ended_at: null,
      output: null,
    };
    await this.db.insertInto("runs").values(row).execute();
    return toRecord(row);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const r = await this.db
      .selectFrom("runs")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  async list(f: RunFilter): Promise<RunRecord[]> {
    let q = this.db.selectFrom("runs").selectAll().where("tenant_id", "=", this.tenantId);
    if (f.workspaceId) q = q.where("workspace_id", "=", f.workspaceId);
    if (f.workflow) q = q.where("workflow", "=", f.workflow);
    if (f.status) q = q.where("status", "=", f.status);
    const rows = await q
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .limit(f.limit ?? 50)
      .execute();
    return rows.map(toRecord);
  }

  async countRunning(workspaceId: string): Promise<number> {
    const r = await this.db
      .selectFrom("runs")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("status", "=", "running")
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Takes one tool call from the run's budget in a single conditional UPDATE, so parallel callers
   * on any number of replicas can never take more than the cap. False when the run is not running
   * or the cap is reached.
   */
  async reserveToolCall(id: string, cap: number | undefined): Promise<boolean> {
    let q = this.db
      .updateTable("runs")
      .set({ tool_calls: sql`tool_calls + 1` })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .where("status", "=", "running");
    if (cap !== undefined) q = q.where("tool_calls", "<", cap);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Ends a running run; false when it was not running any more. */
  async end(
    id: string,
    status: RunStatus,
    now: string,
    extra: { stopReason?: string; output?: unknown } = {},
  ): Promise<boolean> {
    const r = await this.db
      .updateTable("runs")
      .set({
        status,
        ended_at: now,
        stop_reason: extra.stopReason ?? null,
        ...(extra.output !== undefined ? { output: toJson(extra.output) } : {}),
      })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .where("status", "=", "running")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
