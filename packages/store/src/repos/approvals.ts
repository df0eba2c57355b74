import type { Kysely } from "kysely";
import type { ApprovalRecord, ApprovalStatus } from "../records.js";
import type { ApprovalsTable, Database } from "../schema.js";

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
});

export type NewApproval = Pick<
  ApprovalRecord,
  "id" | "workspaceId" | "runId" | "callId" | "argsHash" | "requestedBy" | "expiresAt" | "createdAt"
>;

export interface ApprovalDecision {
  status: Exclude<ApprovalStatus, "pending">;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: string;
  reason: string | null;
  channel: string | null;
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
}
