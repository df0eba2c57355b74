import { type Kysely, PostgresAdapter, sql } from "kysely";
import { fromJson, toJson } from "../json.js";
import { affectedRows, prepared } from "../prepared.js";
import type { ToolCallRecord, ToolCallStatus } from "../records.js";
import type { Database, ToolCallsTable } from "../schema.js";
import { guardedInsert } from "./guarded-insert.js";
import { RunsRepo, reserveToolCallQuery } from "./runs.js";

export const toToolCallRecord = (r: ToolCallsTable): ToolCallRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  workspaceId: r.workspace_id,
  runId: r.run_id,
  tool: r.tool,
  class: r.class,
  args: fromJson(r.args, null),
  argsSealed: r.args_sealed,
  argsHash: r.args_hash,
  decision: r.decision,
  rules: fromJson(r.rules, []),
  reason: r.reason,
  status: r.status as ToolCallStatus,
  result: fromJson(r.result, null),
  error: fromJson(r.error, null),
  approvalId: r.approval_id,
  idempotencyKey: r.idempotency_key,
  attempts: Number(r.attempts),
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  actingAs: r.acting_as ?? null,
});

export type NewToolCall = Omit<
  ToolCallRecord,
  "tenantId" | "result" | "error" | "attempts" | "finishedAt" | "actingAs"
> & {
  actingAs?: string | null;
};

export interface ToolCallUpdate {
  status?: ToolCallStatus;
  result?: unknown;
  error?: { code: string; message: string } | null;
  attempts?: number;
  startedAt?: string;
  finishedAt?: string;
  argsSealed?: null;
}

/** A call's values in the order rowOf names them (nineteen in a prepared INSERT). */
const valuesOf = (tenantId: string, c: NewToolCall) => [
  c.id,
  tenantId,
  c.workspaceId,
  c.runId,
  c.tool,
  c.class,
  toJson(c.args),
  c.argsSealed,
  c.argsHash,
  c.decision,
  toJson(c.rules),
  c.reason,
  c.status,
  c.approvalId,
  c.idempotencyKey,
  c.requestedBy,
  c.createdAt,
  c.startedAt,
  c.actingAs ?? null,
];

// biome-ignore lint/suspicious/noExplicitAny: slots or the values of valuesOf() above
const rowOf = (v: any[]) => ({
  id: v[0],
  tenant_id: v[1],
  workspace_id: v[2],
  run_id: v[3],
  tool: v[4],
  class: v[5],
  args: v[6],
  args_sealed: v[7],
  args_hash: v[8],
  decision: v[9],
  rules: v[10],
  reason: v[11],
  status: v[12],
  result: null,
  error: null,
  approval_id: v[13],
  idempotency_key: v[14],
  attempts: 0,
  requested_by: v[15],
  created_at: v[16],
  started_at: v[17],
  finished_at: null,
  acting_as: v[18],
});

export class ToolCallsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async insert(c: NewToolCall): Promise<void> {
    await prepared(this.db, "toolCalls.insert", valuesOf(this.tenantId, c), (db, v) =>
      db.insertInto("tool_calls").values(rowOf(v)),
    );
  }

  /**
   * The intent of a call the loop guard does not count: takes one tool call from the run's
   * budget (as RunsRepo.reserveToolCall) and inserts the call's row. False, with nothing written,
   * when the run is not running or its cap is reached. On PostgreSQL one statement (the INSERT
   * selects from the run's UPDATE in a WITH clause, so it inserts nothing when the run did not
   * match): a round trip less per governed call. SQLite, which has no UPDATE in a WITH clause,
   * runs the UPDATE and then the INSERT.
   */
  async insertReserving(c: NewToolCall, cap: number | undefined): Promise<boolean> {
    if (!(this.db.getExecutor().adapter instanceof PostgresAdapter)) {
      if (!(await new RunsRepo(this.db, this.tenantId).reserveToolCall(c.runId, cap))) return false;
      await this.insert(c);
      return true;
    }
    const reserve = cap === undefined ? [this.tenantId, c.runId] : [this.tenantId, c.runId, cap];
    const values = [...reserve, ...valuesOf(this.tenantId, c)];
    const capped = cap !== undefined;
    const r = await prepared(this.db, `toolCalls.insertReserving:${capped}`, values, (db, v) =>
      guardedInsert(db, reserveToolCallQuery(db, v, capped).returning(sql<number>`1`.as("one")), "tool_calls", [
        rowOf(v.slice(reserve.length)),
      ]),
    );
    return affectedRows(r) === 1;
  }

  async get(id: string): Promise<ToolCallRecord | undefined> {
    const r = await prepared<ToolCallsTable>(this.db, "toolCalls.get", [this.tenantId, id], (db, [t, i]) =>
      db.selectFrom("tool_calls").selectAll().where("tenant_id", "=", t).where("id", "=", i),
    );
    const row = r.rows[0];
    return row && toToolCallRecord(row);
  }

  async findByIdempotencyKey(runId: string, key: string): Promise<ToolCallRecord | undefined> {
    const r = await this.db
      .selectFrom("tool_calls")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("run_id", "=", runId)
      .where("idempotency_key", "=", key)
      .executeTakeFirst();
    return r && toToolCallRecord(r);
  }

  /** How many earlier calls of the run had the same tool and the same arguments. */
  async countRepeats(runId: string, tool: string, argsHash: string): Promise<number> {
    const r = await this.db
      .selectFrom("tool_calls")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("tenant_id", "=", this.tenantId)
      .where("run_id", "=", runId)
      .where("tool", "=", tool)
      .where("args_hash", "=", argsHash)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async listByRun(runId: string): Promise<ToolCallRecord[]> {
    const rows = await this.db
      .selectFrom("tool_calls")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("run_id", "=", runId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toToolCallRecord);
  }

  /**
   * Moves a call on, optionally only from the given status (a compare-and-set, so two replicas
   * or two approvers cannot both move it). False when the call was not in that status.
   */
  async update(id: string, u: ToolCallUpdate, fromStatus?: ToolCallStatus): Promise<boolean> {
    const set: [column: string, value: unknown][] = [];
    if (u.status !== undefined) set.push(["status", u.status]);
    if (u.result !== undefined) set.push(["result", toJson(u.result)]);
    if (u.error !== undefined) set.push(["error", u.error === null ? null : toJson(u.error)]);
    if (u.attempts !== undefined) set.push(["attempts", u.attempts]);
    if (u.startedAt !== undefined) set.push(["started_at", u.startedAt]);
    if (u.finishedAt !== undefined) set.push(["finished_at", u.finishedAt]);
    if (u.argsSealed === null) set.push(["args_sealed", null]);
    const where = fromStatus ? [this.tenantId, id, fromStatus] : [this.tenantId, id];
    // one prepared statement per combination of columns set (a handful occur)
    const key = `toolCalls.update:${set.map(([c]) => c).join(",")}:${fromStatus ? "cas" : "any"}`;
    const r = await prepared(this.db, key, [...set.map(([, v]) => v), ...where], (db, slots) => {
      let q = db
        .updateTable("tool_calls")
        .set(Object.fromEntries(set.map(([c], i) => [c, slots[i]])))
        .where("tenant_id", "=", slots[set.length])
        .where("id", "=", slots[set.length + 1]);
      if (fromStatus) q = q.where("status", "=", slots[set.length + 2]);
      return q;
    });
    return affectedRows(r) > 0;
  }
}
