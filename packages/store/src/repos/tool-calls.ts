import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { ToolCallRecord, ToolCallStatus } from "../records.js";
import type { Database, ToolCallsTable } from "../schema.js";

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

export class ToolCallsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async insert(c: NewToolCall): Promise<void> {
    await this.db
      .insertInto("tool_calls")
      .values({
        id: c.id,
        tenant_id: this.tenantId,
        workspace_id: c.workspaceId,
        run_id: c.runId,
        tool: c.tool,
        class: c.class,
        args: toJson(c.args),
        args_sealed: c.argsSealed,
        args_hash: c.argsHash,
        decision: c.decision,
        rules: toJson(c.rules),
        reason: c.reason,
        status: c.status,
        result: null,
        error: null,
        approval_id: c.approvalId,
        idempotency_key: c.idempotencyKey,
        attempts: 0,
        requested_by: c.requestedBy,
        created_at: c.createdAt,
        started_at: c.startedAt,
        finished_at: null,
        acting_as: c.actingAs ?? null,
      })
      .execute();
  }

  async get(id: string): Promise<ToolCallRecord | undefined> {
    const r = await this.db
      .selectFrom("tool_calls")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toToolCallRecord(r);
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
    let q = this.db
      .updateTable("tool_calls")
      .set({
        ...(u.status !== undefined ? { status: u.status } : {}),
        ...(u.result !== undefined ? { result: toJson(u.result) } : {}),
        ...(u.error !== undefined ? { error: u.error === null ? null : toJson(u.error) } : {}),
        ...(u.attempts !== undefined ? { attempts: u.attempts } : {}),
        ...(u.startedAt !== undefined ? { started_at: u.startedAt } : {}),
        ...(u.finishedAt !== undefined ? { finished_at: u.finishedAt } : {}),
        ...(u.argsSealed === null ? { args_sealed: null } : {}),
      })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id);
    if (fromStatus) q = q.where("status", "=", fromStatus);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
