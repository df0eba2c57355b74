import { type ActionClass, hashJson, resolveAction, TollgateError } from "@tollgate/core";
import type { ApprovalRecord, Store } from "@tollgate/store";
import type { CallService } from "../calls/service.js";
import { type Clock, iso } from "../clock.js";
import { can, ownWorkspace, requireRole, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { Vault } from "../identity/vault.js";
import type { WorkflowService } from "../workflows/service.js";

export interface DecisionRequest {
  decision: "approve" | "deny";
  reason?: string;
  channel?: "api" | "cli" | "ui" | "chat";
}

/**
 * Approvals: bound to one stored call and the hash of its exact arguments, decided once, never
 * by an agent key and never by the key that asked. On approval Tollgate runs the stored call
 * itself, so the agent cannot swap the arguments.
 */
export class ApprovalService {
  constructor(
    private readonly store: Store,
    private readonly workflows: WorkflowService,
    private readonly calls: CallService,
    private readonly vault: Vault,
    private readonly clock: Clock,
    private readonly onBackgroundError: (e: unknown) => void,
  ) {}

  async list(p: Principal, workspaceId: string, status: ApprovalRecord["status"] | undefined) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.listApprovals);
    const scope = this.store.scope(tenantId);
    const approvals = await scope.approvals.list({ workspaceId, ...(status ? { status } : {}) });
    const items = [];
    for (const a of approvals) {
      const call = await scope.toolCalls.get(a.callId);
      items.push({
        id: a.id,
        callId: a.callId,
        runId: a.runId,
        tool: call?.tool,
        class: call?.class as ActionClass | undefined,
        args: call?.args,
        rules: call?.rules ?? [],
        reason: call?.reason,
        status: a.status,
        requestedBy: a.requestedBy,
        requestedAt: a.createdAt,
        expiresAt: a.expiresAt,
        ...(a.decidedAt
          ? {
              decidedBy: a.decidedByName ?? a.decidedBy,
              decidedAt: a.decidedAt,
              decisionReason: a.reason,
              channel: a.channel,
            }
          : {}),
      });
    }
    return { items };
  }

  async decide(p: Principal, approvalId: string, req: DecisionRequest) {
    if (p.role === "agent") throw new TollgateError("forbidden", "an agent key can never decide an approval");
    requireRole(p, can.decideApprovals);
    const scope = this.store.scope(p.tenantId);
    const approval = ownWorkspace(p, await scope.approvals.get(approvalId), "approval", approvalId);
    const call = await scope.toolCalls.get(approval.callId);
    const run = await scope.runs.get(approval.runId);
    if (!call || !run) throw new TollgateError("not_found", `approval ${approvalId} has no call`);
    if (approval.status !== "pending")
      throw new TollgateError("conflict", `approval ${approvalId} is already ${approval.status}`, {
        status: approval.status,
      });
    if (p.keyId === call.requestedBy || p.keyId === run.startedBy) {
      throw new TollgateError("forbidden", "the key that asked for this call (or started its run) cannot approve it");
    }
    if (call.argsHash !== approval.argsHash)
      throw new TollgateError("conflict", "the call's arguments do not match the approval");
    const now = iso(this.clock);
    if (approval.expiresAt <= now) {
      await this.expire(p.tenantId, approval);
      throw new TollgateError("conflict", `approval ${approvalId} expired at ${approval.expiresAt}`, {
        status: "expired",
      });
    }
    const status = req.decision === "approve" ? "approved" : "denied";
    const channel = req.channel ?? "api";
    const decided = await this.store.transaction(p.tenantId, async (s) => {
      if (
        !(await s.approvals.decide(approvalId, {
          status,
          decidedBy: p.keyId,
          decidedByName: p.name,
          decidedAt: now,
          reason: req.reason ?? null,
          channel,
        }))
      )
        return false;
      await s.toolCalls.update(
        call.id,
        status === "approved"
          ? { status: "approved" }
          : {
              status: "denied",
              finishedAt: now,
              argsSealed: null,
              error: { code: "denied", message: req.reason ? `denied: ${req.reason}` : "denied by an approver" },
            },
        "pending_approval",
      );
      await s.audit.append(
        [
          {
            type: "approval.decided",
            workspace: approval.workspaceId,
            run: approval.runId,
            call: call.id,
            actor: p.keyId,
            data: {
              approvalId,
              decision: status,
              approver: { keyId: p.keyId, name: p.name, role: p.role },
              reason: req.reason ?? null,
              channel,
              shown: { tool: call.tool, args: call.args, rules: call.rules },
            },
          },
        ],
        now,
      );
      return true;
    });
    if (!decided) throw new TollgateError("conflict", `approval ${approvalId} was decided by someone else just now`);
    if (status === "approved") {
      this.runApproved(p.tenantId, call.id).catch(this.onBackgroundError);
    } else {
      this.calls.notifyDone(call.id);
    }
    return {
      id: approvalId,
      status,
      decidedBy: p.name,
      decidedByKey: p.keyId,
      decidedAt: now,
      reason: req.reason ?? null,
      channel,
    };
  }

  /** Runs an approved call from its stored (sealed) arguments, once: approved → executing is a compare-and-set. */
  async runApproved(tenantId: string, callId: string): Promise<void> {
    const scope = this.store.scope(tenantId);
    const call = await scope.toolCalls.get(callId);
    if (!call || call.status !== "approved" || !call.argsSealed) return;
    const run = await scope.runs.get(call.runId);
    if (!run) return;
    const args = JSON.parse(await this.vault.open(tenantId, "tool_calls", call.id, call.argsSealed)) as Record<
      string,
      unknown
    >;
    if (hashJson(args) !== call.argsHash) throw new Error(`stored arguments of ${call.id} do not match their hash`);
    const wf = await this.workflows.compiledVersion(tenantId, run.workspaceId, run.workflow, run.workflowVersion);
    const action = resolveAction(wf, call.tool);
    if (!action) return;
    const now = iso(this.clock);
    if (!(await scope.toolCalls.update(call.id, { status: "executing", startedAt: now }, "approved"))) return;
    await this.calls.execute(tenantId, { ...call, status: "executing", startedAt: now }, wf, action, args, run);
  }

  async expire(tenantId: string, approval: ApprovalRecord): Promise<void> {
    const now = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      if (
        !(await s.approvals.decide(approval.id, {
          status: "expired",
          decidedBy: null,
          decidedByName: null,
          decidedAt: now,
          reason: "no decision before the approval timed out",
          channel: null,
        }))
      )
        return;
      await s.toolCalls.update(
        approval.callId,
        {
          status: "expired",
          finishedAt: now,
          argsSealed: null,
          error: { code: "expired", message: "no approver decided in time" },
        },
        "pending_approval",
      );
      await s.audit.append(
        [
          {
            type: "approval.expired",
            workspace: approval.workspaceId,
            run: approval.runId,
            call: approval.callId,
            data: { approvalId: approval.id },
          },
        ],
        now,
      );
    });
    this.calls.notifyDone(approval.callId);
  }
}
