import { type Kysely, sql } from "kysely";
import { fromJson, toJson } from "../json.js";
import { affectedRows, prepared } from "../prepared.js";
import type { RunRecord, RunStatus, RunVersions } from "../records.js";
import type { Database, RunsTable } from "../schema.js";

/**
 * The conditional UPDATE that takes one tool call from a run's budget: `v` holds the tenant, the
 * run and, when `capped`, the cap. Shared with the intent's one-statement form
 * (ToolCallsRepo.insertReserving).
 */
// biome-ignore lint/suspicious/noExplicitAny: prepared slots stand in for the values
export function reserveToolCallQuery(db: Kysely<Database>, v: any[], capped: boolean) {
  let q = db
    .updateTable("runs")
    .set({ tool_calls: sql`tool_calls + 1` })
    .where("tenant_id", "=", v[0])
    .where("id", "=", v[1])
    .where("status", "=", "running");
  if (capped) q = q.where("tool_calls", "<", v[2]);
  return q;
}

/**
 * The conditional UPDATE that takes one model call and `reserveUsd` from a run's budgets, with its
 * values and the name its compiled form is kept under. Shared with the intent's one-statement
 * form (ModelCallsRepo.insertReserving).
 */
export function modelCallReservation(
  tenantId: string,
  id: string,
  caps: { modelCalls?: number | undefined; costUsd?: number | undefined },
  reserveUsd: number,
) {
  const { modelCalls, costUsd } = caps;
  // a hair of tolerance so a reservation that fits exactly is not lost to float rounding
  const costCap = costUsd === undefined ? undefined : costUsd + 1e-9;
  const values: unknown[] = [reserveUsd, tenantId, id];
  if (modelCalls !== undefined) values.push(modelCalls);
  if (costCap !== undefined) values.push(reserveUsd, costCap);
  return {
    key: `runs.reserveModelCall:${modelCalls !== undefined}:${costCap !== undefined}`,
    values,
    // biome-ignore lint/suspicious/noExplicitAny: prepared slots stand in for the values
    query: (db: Kysely<Database>, v: any[]) => {
      let q = db
        .updateTable("runs")
        .set({ model_calls: sql`model_calls + 1`, cost_usd: sql`cost_usd + ${v[0]}` })
        .where("tenant_id", "=", v[1])
        .where("id", "=", v[2])
        .where("status", "=", "running");
      let next = 3;
      if (modelCalls !== undefined) q = q.where("model_calls", "<", v[next++]);
      if (costCap !== undefined) q = q.where(sql<boolean>`cost_usd + ${v[next++]} <= ${v[next++]}`);
      return q;
    },
  };
}

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
  versions: fromJson(r.versions, null),
  simulation: fromJson(r.simulation, null),
});

/** The rows of `run_versions` for one run: what `GET /v1/runs?promptVersion=` finds it by. */
function versionRows(v: RunVersions): { kind: string; name: string; version: string }[] {
  return [
    { kind: "workflow", name: "", version: v.workflow },
    ...Object.entries(v.prompts).map(([name, version]) => ({ kind: "prompt", name, version })),
    ...Object.entries(v.tools).map(([name, version]) => ({ kind: "tool", name, version })),
    ...(v.model ? [{ kind: "model", name: "", version: v.model }] : []),
    ...(v.release ? [{ kind: "release", name: "", version: v.release }] : []),
  ];
}

export type NewRun = Omit<
  RunRecord,
  | "tenantId"
  | "status"
  | "stopReason"
  | "toolCalls"
  | "modelCalls"
  | "costUsd"
  | "endedAt"
  | "output"
  | "versions"
  | "simulation"
> & { versions?: RunVersions | null; simulation?: RunRecord["simulation"] };

export interface RunFilter {
  workspaceId?: string;
  workflow?: string;
  status?: string;
  limit?: number;
  /** runs that ran with this version: kind workflow | prompt | tool | model | release */
  version?: { kind: string; version: string; name?: string };
  /** runs started at or after this time */
  since?: string;
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
      versions: r.versions ? toJson(r.versions) : null,
      simulation: r.simulation ? toJson(r.simulation) : null,
    };
    await this.db.insertInto("runs").values(row).execute();
    if (r.versions) {
      await this.db
        .insertInto("run_versions")
        .values(
          versionRows(r.versions).map((v) => ({
            tenant_id: this.tenantId,
            run_id: r.id,
            workspace_id: r.workspaceId,
            ...v,
          })),
        )
        .execute();
    }
    return toRecord(row);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const r = await prepared<RunsTable>(this.db, "runs.get", [this.tenantId, id], (db, [t, i]) =>
      db.selectFrom("runs").selectAll().where("tenant_id", "=", t).where("id", "=", i),
    );
    const row = r.rows[0];
    return row && toRecord(row);
  }

  async list(f: RunFilter): Promise<RunRecord[]> {
    let q = this.db.selectFrom("runs").selectAll().where("tenant_id", "=", this.tenantId);
    if (f.workspaceId) q = q.where("workspace_id", "=", f.workspaceId);
    if (f.workflow) q = q.where("workflow", "=", f.workflow);
    if (f.status) q = q.where("status", "=", f.status);
    if (f.since) q = q.where("started_at", ">=", f.since);
    const version = f.version;
    if (version) {
      q = q.where("id", "in", (eb) => {
        let sub = eb
          .selectFrom("run_versions")
          .select("run_id")
          .where("tenant_id", "=", this.tenantId)
          .where("kind", "=", version.kind)
          .where("version", "=", version.version);
        if (f.workspaceId) sub = sub.where("workspace_id", "=", f.workspaceId);
        if (version.name !== undefined) sub = sub.where("name", "=", version.name);
        return sub;
      });
    }
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
    const values = cap === undefined ? [this.tenantId, id] : [this.tenantId, id, cap];
    const r = await prepared(
      this.db,
      `runs.reserveToolCall:${cap === undefined ? "uncapped" : "capped"}`,
      values,
      (db, v) => reserveToolCallQuery(db, v, cap !== undefined),
    );
    return affectedRows(r) > 0;
  }

  /**
   * Takes one model call and `reserveUsd` from the run's budgets in one conditional UPDATE (like
   * reserveToolCall): parallel model calls cannot together pass either cap. False when the run
   * is not running or a cap would be passed.
   */
  async reserveModelCall(
    id: string,
    caps: { modelCalls?: number | undefined; costUsd?: number | undefined },
    reserveUsd: number,
  ): Promise<boolean> {
    const m = modelCallReservation(this.tenantId, id, caps, reserveUsd);
    return affectedRows(await prepared(this.db, m.key, m.values, m.query)) > 0;
  }

  /** Settles a model call: adds `deltaUsd` (actual − reserved, often negative) to the run's cost, whatever its status. */
  async adjustCost(id: string, deltaUsd: number): Promise<void> {
    await prepared(this.db, "runs.adjustCost", [deltaUsd, this.tenantId, id], (db, [d, t, i]) =>
      db
        .updateTable("runs")
        .set({ cost_usd: sql`cost_usd + ${d}` })
        .where("tenant_id", "=", t)
        .where("id", "=", i),
    );
  }

  /** The recent normal of a workflow: its last ended runs, newest first. */
  async recentEnded(
    workspaceId: string,
    workflow: string,
    limit: number,
  ): Promise<{ id: string; costUsd: number; calls: number }[]> {
    const rows = await this.db
      .selectFrom("runs")
      .select(["id", "cost_usd", "tool_calls", "model_calls"])
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("workflow", "=", workflow)
      .where("status", "!=", "running")
      .orderBy("started_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      costUsd: Number(r.cost_usd),
      calls: Number(r.tool_calls) + Number(r.model_calls),
    }));
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
