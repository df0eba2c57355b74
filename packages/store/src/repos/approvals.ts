import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { ApprovalDecisionRecord, ApprovalRecord, ApprovalStatus } from "../records.js";
import type { ApprovalDecisionsTable, ApprovalsTable, Database } from "../schema.js";

export const toApprovalRecord = (r: ApprovalsTable): ApprovalRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  workspaceId: r.workspace_id,
  runId: r.run_id,
  callId: r.call_id,
  argsHash: r.args_hash,
  status: r.status as ApprovalStatus,
  requestedBy: r.requested_by,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  decidedBy: r.decided_by,
  decidedByName: r.decided_by_name,
  decidedAt: r.decided_at,
  reason: r.reason,
  channel: r.channel,
  required: Number(r.required),
  approvalCount: Number(r.approval_count),
  approvers: fromJson(r.approvers, []),
  escalateTo: fromJson(r.escalate_to, null),
  escalatedAt: r.escalated_at,
});

const toDecisionRecord = (r: ApprovalDecisionsTable): ApprovalDecisionRecord => ({
  approvalId: r.approval_id,
  approver: r.approver,
  approverName: r.approver_name,
  approverRole: r.approver_role,
  decision: r.decision as "approve" | "deny",
  reason: r.reason,
  channel: r.channel,
  shown: fromJson(r.shown, null),
  decidedAt: r.decided_at,
});

export type NewApproval = Pick<
  ApprovalRecord,
  "id" | "workspaceId" | "runId" | "callId" | "argsHash" | "requestedBy" | "expiresAt" | "createdAt"
> &
  Partial<Pick<ApprovalRecord, "required" | "approvers" | "escalateTo">>;

export interface ApprovalDecision {
  status: Exclude<ApprovalStatus, "pending">;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: string;
  reason: string | null;
  channel: string | null;
}

/** An approval with its call and run, for the evidence behind policy suggestions. */
export interface ApprovalHistoryRow {
  approval: ApprovalRecord;
  workflow: string;
  tool: string;
  class: string;
  args: unknown;
  rules: string[];
}

export class ApprovalsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  async insert(a: NewApproval): Promise<void> {
    await this.db
      .insertInto("approvals")
      .values({
        id: a.id,
        tenant_id: this.tenantId,
        workspace_id: a.workspaceId,
        run_id: a.runId,
        call_id: a.callId,
        args_hash: a.argsHash,
        status: "pending",
        requested_by: a.requestedBy,
        expires_at: a.expiresAt,
        created_at: a.createdAt,
        decided_by: null,
        decided_by_name: null,
        decided_at: null,
        reason: null,
        channel: null,
        required: a.required ?? 1,
        approval_count: 0,
        approvers: toJson(a.approvers ?? []),
        escalate_to: a.escalateTo ? toJson(a.escalateTo) : null,
        escalated_at: null,
      })
      .execute();
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    const r = await this.db
      .selectFrom("approvals")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    return r && toApprovalRecord(r);
  }

  async list(f: {
    workspaceId: string;
    status?: ApprovalStatus;
    runId?: string;
    limit?: number;
  }): Promise<ApprovalRecord[]> {
    let q = this.db
      .selectFrom("approvals")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", f.workspaceId);
    if (f.status) q = q.where("status", "=", f.status);
    if (f.runId) q = q.where("run_id", "=", f.runId);
    const rows = await q
      .orderBy("created_at")
      .orderBy("id")
      .limit(f.limit ?? 200)
      .execute();
    return rows.map(toApprovalRecord);
  }

  async listPendingForRun(runId: string): Promise<ApprovalRecord[]> {
    const rows = await this.db
      .selectFrom("approvals")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .where("run_id", "=", runId)
      .where("status", "=", "pending")
      .execute();
    return rows.map(toApprovalRecord);
  }

  /** Pending approvals of one run or one workspace, for the flood caps. */
  async countPending(where: { runId: string } | { workspaceId: string }): Promise<number> {
    let q = this.db
      .selectFrom("approvals")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("tenant_id", "=", this.tenantId)
      .where("status", "=", "pending");
    q = "runId" in where ? q.where("run_id", "=", where.runId) : q.where("workspace_id", "=", where.workspaceId);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /** Single use: only a pending approval can be decided, once. False when it was not pending. */
  async decide(id: string, d: ApprovalDecision): Promise<boolean> {
    const r = await this.db
      .updateTable("approvals")
      .set({
        status: d.status,
        decided_by: d.decidedBy,
        decided_by_name: d.decidedByName,
        decided_at: d.decidedAt,
        reason: d.reason,
        channel: d.channel,
      })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .where("status", "=", "pending")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Counts one more distinct approval on a pending approval (the decision row's primary key keeps
   * approvers distinct). The UPDATE locks the row, so concurrent approvals count one by one.
   * Returns the new count, or undefined when the approval is no longer pending.
   */
  async countApproval(id: string): Promise<number | undefined> {
    const r = await this.db
      .updateTable("approvals")
      .set((eb) => ({ approval_count: eb("approval_count", "+", 1) }))
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .where("status", "=", "pending")
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return undefined;
    const row = await this.db
      .selectFrom("approvals")
      .select("approval_count")
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    return Number(row.approval_count);
  }

  /** onTimeout escalate: once, a pending approval gets a new deadline and is marked escalated. */
  async escalate(id: string, expiresAt: string, now: string): Promise<boolean> {
    const r = await this.db
      .updateTable("approvals")
      .set({ expires_at: expiresAt, escalated_at: now })
      .where("tenant_id", "=", this.tenantId)
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where("escalated_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async addDecision(d: ApprovalDecisionRecord): Promise<void> {
    await this.db
      .insertInto("approval_decisions")
      .values({
        tenant_id: this.tenantId,
        approval_id: d.approvalId,
        approver: d.approver,
        approver_name: d.approverName,
        approver_role: d.approverRole,
        decision: d.decision,
        reason: d.reason,
        channel: d.channel,
        shown: toJson(d.shown),
        decided_at: d.decidedAt,
      })
      .execute();
  }

  /** Decisions of these approvals, oldest first. */
  async decisions(approvalIds: readonly string[]): Promise<ApprovalDecisionRecord[]> {
    if (approvalIds.length === 0) return [];
    const out: ApprovalDecisionRecord[] = [];
    for (let i = 0; i < approvalIds.length; i += 500) {
      const rows = await this.db
        .selectFrom("approval_decisions")
        .selectAll()
        .where("tenant_id", "=", this.tenantId)
        .where("approval_id", "in", approvalIds.slice(i, i + 500))
        .orderBy("decided_at")
        .execute();
      out.push(...rows.map(toDecisionRecord));
    }
    return out;
  }

  /** Approvals of a workspace (optionally one workflow) with their calls, newest first. */
  async history(f: { workspaceId: string; workflow?: string; limit: number }): Promise<ApprovalHistoryRow[]> {
    let q = this.db
      .selectFrom("approvals as a")
      .innerJoin("tool_calls as c", (j) => j.onRef("c.id", "=", "a.call_id").onRef("c.tenant_id", "=", "a.tenant_id"))
      .innerJoin("runs as r", (j) => j.onRef("r.id", "=", "a.run_id").onRef("r.tenant_id", "=", "a.tenant_id"))
      .selectAll("a")
      .select([
        "r.workflow as wf",
        "c.tool as call_tool",
        "c.class as call_class",
        "c.args as call_args",
        "c.rules as call_rules",
      ])
      .where("a.tenant_id", "=", this.tenantId)
      .where("a.workspace_id", "=", f.workspaceId);
    if (f.workflow) q = q.where("r.workflow", "=", f.workflow);
    const rows = await q.orderBy("a.created_at", "desc").limit(f.limit).execute();
    return rows.map((r) => ({
      approval: toApprovalRecord(r),
      workflow: r.wf,
      tool: r.call_tool,
      class: r.call_class,
      args: fromJson(r.call_args, null),
      rules: fromJson(r.call_rules, []),
    }));
  }
}
