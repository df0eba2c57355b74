import {
  deciderGroupsOf,
  type ActionClass,
  type CompiledAction,
  type CompiledWorkflow,
  hashJson,
  resolveAction,
  TollgateError,
} from "@tollgate/core";
import type { ApprovalRecord, RunRecord, Store, ToolCallRecord } from "@tollgate/store";
import type { CallService } from "../calls/service.js";
import { toolCallView } from "../calls/view.js";
import { type Clock, iso } from "../clock.js";
import { can, ownWorkspace, requireRole, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { Vault } from "../identity/vault.js";
import type { WorkflowService } from "../workflows/service.js";
import type { ApprovalTimeouts } from "./timeouts.js";

export type Channel = "api" | "cli" | "ui" | "chat";

export interface DecisionRequest {
  decision: "approve" | "deny";
  reason?: string;
  channel?: Channel;
}

/** Who decides: an approver's key, or the holder of a chat link (identified by the link and a typed name). */
export interface Decider {
  /** key id, or link:<id> */
  id: string;
  name: string;
  role: string;
  keyId: string | null;
  channel: Channel;
}

/**
 * Approvals: bound to one stored call and the hash of its exact arguments, decided once per
 * approver, never by an agent key and never by the key that asked or started the run. A call
 * runs after the Nth distinct approval; one denial denies. On approval Tollgate runs the stored
 * call itself, so the agent cannot swap the arguments.
 */
export class ApprovalService {
  constructor(
    private readonly store: Store,
    private readonly workflows: WorkflowService,
    private readonly calls: CallService,
    private readonly vault: Vault,
    private readonly clock: Clock,
    private readonly timeouts: ApprovalTimeouts,
    private readonly onBackgroundError: (e: unknown) => void,
  ) {}

  async list(p: Principal, workspaceId: string, status: ApprovalRecord["status"] | undefined) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.listApprovals);
    const scope = this.store.scope(tenantId);
    const approvals = await scope.approvals.list({ workspaceId, ...(status ? { status } : {}) });
    const items = [];
    for (const a of approvals) items.push(summary(a, await scope.toolCalls.get(a.callId)));
    return { items };
  }

  /** One approval as an approver reads it: the call, what was decided by whom, and what is left. */
  async show(p: Principal, approvalId: string) {
    const scope = this.store.scope(p.tenantId);
    const a = ownWorkspace(p, await scope.approvals.get(approvalId), "approval", approvalId);
    requireRole(p, can.listApprovals);
    const call = await scope.toolCalls.get(a.callId);
    const run = await scope.runs.get(a.runId);
    const decisions = await scope.approvals.decisions([a.id]);
    return {
      ...summary(a, call),
      workspace: a.workspaceId,
      run: run && {
        id: run.id,
        workflow: run.workflow,
        workflowVersion: run.workflowVersion,
        agent: run.agent,
        status: run.status,
      },
      call: call && toolCallView(call),
      argsHash: a.argsHash,
      approvers: a.approvers,
      escalateTo: a.escalateTo,
      escalatedAt: a.escalatedAt,
      decisions: decisions.map((d) => ({
        approver: d.approver,
        name: d.approverName,
        role: d.approverRole,
        decision: d.decision,
        reason: d.reason,
        channel: d.channel,
        decidedAt: d.decidedAt,
        shown: d.shown,
      })),
    };
  }

  async decide(p: Principal, approvalId: string, req: DecisionRequest) {
    // found first: another tenant's approval id answers 404 whatever the caller's role
    ownWorkspace(p, await this.store.scope(p.tenantId).approvals.get(approvalId), "approval", approvalId);
    if (p.role === "agent") throw new TollgateError("forbidden", "an agent key can never decide an approval");
    if (req.channel === "chat")
      throw new TollgateError(
        "invalid_request",
        "channel chat is for chat links; an API key decides via api, cli or ui",
      );
    requireRole(p, can.decideApprovals);
    const approval = ownWorkspace(
      p,
      await this.store.scope(p.tenantId).approvals.get(approvalId),
      "approval",
      approvalId,
    );
    return this.decideAs(
      p.tenantId,
      approval,
      { id: p.keyId, keyId: p.keyId, name: p.name, role: p.role, channel: req.channel ?? "api" },
      req,
    );
  }

  /** The shared path of every channel: checks, the decision row, the count, the audit event. */
  async decideAs(tenantId: string, found: ApprovalRecord, who: Decider, req: DecisionRequest) {
    const scope = this.store.scope(tenantId);
    const approval = await this.pendingOrThrow(tenantId, found);
    const call = await scope.toolCalls.get(approval.callId);
    const run = await scope.runs.get(approval.runId);
    if (!call || !run) throw new TollgateError("not_found", `approval ${approval.id} has no call`);
    if (who.keyId && (who.keyId === call.requestedBy || who.keyId === run.startedBy)) {
      throw new TollgateError("forbidden", "the key that asked for this call (or started its run) cannot approve it");
    }
    if (who.keyId) requireGroup(approval, who.role);
    if (call.argsHash !== approval.argsHash)
      throw new TollgateError("conflict", "the call's arguments do not match the approval");
    const earlier = await scope.approvals.decisions([approval.id]);
    if (earlier.some((d) => d.approver === who.id))
      throw new TollgateError(
        "conflict",
        who.keyId
          ? `you already approved ${approval.id}; it needs ${approval.required - approval.approvalCount} more approver(s)`
          : "this link was already used",
      );
    if (
      req.decision === "approve" &&
      who.channel === "chat" &&
      approval.required > 1 &&
      earlier.some((d) => d.channel === "chat" && d.decision === "approve")
    ) {
      throw new TollgateError(
        "forbidden",
        `${approval.id} needs ${approval.required} approvers; only one may approve through a chat link, the others with their own key`,
      );
    }
    const now = iso(this.clock);
    const shown = { tool: call.tool, class: call.class, args: call.args, rules: call.rules, reason: call.reason };
    let outcome: { status: "approved" | "denied" | "pending"; count: number } | undefined;
    try {
      outcome = await this.store.transaction(tenantId, async (s) => {
        await s.approvals.addDecision({
          approvalId: approval.id,
          approver: who.id,
          approverName: who.name,
          approverRole: who.role,
          decision: req.decision,
          reason: req.reason ?? null,
          channel: who.channel,
          shown,
          decidedAt: now,
        });
        const closing = {
          decidedBy: who.id,
          decidedByName: who.name,
          decidedAt: now,
          reason: req.reason ?? null,
          channel: who.channel,
        };
        let result: { status: "approved" | "denied" | "pending"; count: number };
        if (req.decision === "deny") {
          if (!(await s.approvals.decide(approval.id, { status: "denied", ...closing }))) return undefined;
          await s.toolCalls.update(
            call.id,
            {
              status: "denied",
              finishedAt: now,
              argsSealed: null,
              error: { code: "denied", message: req.reason ? `denied: ${req.reason}` : "denied by an approver" },
            },
            "pending_approval",
          );
          result = { status: "denied", count: approval.approvalCount };
        } else {
          const count = await s.approvals.countApproval(approval.id);
          if (count === undefined) return undefined;
          const enough = count >= approval.required;
          if (enough) {
            if (!(await s.approvals.decide(approval.id, { status: "approved", ...closing }))) return undefined;
            await s.toolCalls.update(call.id, { status: "approved" }, "pending_approval");
          }
          result = { status: enough ? "approved" : "pending", count };
        }
        await s.audit.append([decidedEvent(approval, call, who, req, result, shown)], now);
        return result;
      });
    } catch (e) {
      if (e instanceof TollgateError) throw e;
      // the decision row's primary key refused a second decision by the same approver
      if ((await scope.approvals.decisions([approval.id])).some((d) => d.approver === who.id))
        throw new TollgateError("conflict", `${approval.id} was already decided by ${who.name}`);
      throw e;
    }
    if (!outcome) throw new TollgateError("conflict", `approval ${approval.id} was decided by someone else just now`);
    if (outcome.status === "approved") this.runApproved(tenantId, call.id).catch(this.onBackgroundError);
    else if (outcome.status === "denied") this.calls.notifyDone(call.id);
    return {
      id: approval.id,
      status: outcome.status,
      decidedBy: who.name,
      decidedByKey: who.keyId,
      decidedAt: now,
      reason: req.reason ?? null,
      channel: who.channel,
      approvals: { count: outcome.count, required: approval.required },
    };
  }

  /** Pending and not past its deadline; a due one is expired (or escalated, then still pending) first. */
  private async pendingOrThrow(tenantId: string, approval: ApprovalRecord): Promise<ApprovalRecord> {
    let a = approval;
    if (a.status === "pending" && a.expiresAt <= iso(this.clock)) {
      await this.timeouts.handleDue(tenantId, a);
      a = (await this.store.scope(tenantId).approvals.get(a.id)) ?? a;
    }
    if (a.status !== "pending")
      throw new TollgateError("conflict", `approval ${a.id} is already ${a.status}`, { approvalStatus: a.status });
    return a;
  }

  /** Runs an approved call from its stored (sealed) arguments, once: approved → executing is a compare-and-set. */
  async runApproved(tenantId: string, callId: string): Promise<void> {
    const scope = this.store.scope(tenantId);
    const call = await scope.toolCalls.get(callId);
    if (call?.status !== "approved" || !call.argsSealed) return;
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
    if (!(await this.withinRateLimit(tenantId, call, run, wf, action))) return;
    const now = iso(this.clock);
    if (!(await scope.toolCalls.update(call.id, { status: "executing", startedAt: now }, "approved"))) return;
    await this.calls.execute(tenantId, { ...call, status: "executing", startedAt: now }, wf, action, args, run);
  }
  /**
   * An approved call is rate limited like any other when it runs: it waits for its system's
   * token up to a minute, else it fails `rate_limited` (on record) rather than being sent.
   */
  private async withinRateLimit(
    tenantId: string,
    call: ToolCallRecord,
    run: RunRecord,
    wf: CompiledWorkflow,
    action: CompiledAction,
  ): Promise<boolean> {
    try {
      await this.calls.awaitRateLimit(
        { tenantId, keyId: call.requestedBy },
        run,
        wf,
        action,
        call.args,
        approvedCallRateWaitMs,
      );
      return true;
    } catch (e) {
      if (!(e instanceof TollgateError)) throw e;
      const now = iso(this.clock);
      const error = { code: e.code, message: e.message };
      await this.store.transaction(tenantId, async (s) => {
        if (
          !(await s.toolCalls.update(
            call.id,
            { status: "failed", finishedAt: now, argsSealed: null, error },
            "approved",
          ))
        )
          return;
        await s.audit.append(
          [
            {
              type: "tool_call.failed",
              workspace: run.workspaceId,
              run: run.id,
              call: call.id,
              data: { tool: call.tool, status: "failed", attempts: 0, error },
            },
          ],
          now,
        );
      });
      this.calls.notifyDone(call.id);
      return false;
    }
  }
}

const approvedCallRateWaitMs = 60_000;

function summary(a: ApprovalRecord, call: ToolCallRecord | undefined) {
  return {
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
    approvals: { count: a.approvalCount, required: a.required },
    ...(a.escalatedAt ? { escalatedAt: a.escalatedAt } : {}),
    ...(a.decidedAt
      ? {
          decidedBy: a.decidedByName ?? a.decidedBy,
          decidedAt: a.decidedAt,
          decisionReason: a.reason,
          channel: a.channel,
        }
      : {}),
  };
}

function decidedEvent(
  approval: ApprovalRecord,
  call: ToolCallRecord,
  who: Decider,
  req: DecisionRequest,
  result: { status: string; count: number },
  shown: unknown,
) {
  return {
    type: "approval.decided",
    workspace: approval.workspaceId,
    run: approval.runId,
    call: call.id,
    actor: who.keyId,
    data: {
      approvalId: approval.id,
      decision: req.decision === "approve" ? "approved" : "denied",
      status: result.status,
      approvals: { count: result.count, required: approval.required },
      approver: { id: who.id, keyId: who.keyId, name: who.name, role: who.role },
      reason: req.reason ?? null,
      channel: who.channel,
      shown,
    },
  };
}

/**
 * A key decides only approvals addressed to its role: the decider role groups among the
 * approval's approvers, and once it has escalated its escalation group's too. An approval
 * addressed to none (labels only, which route notifications; also another `role:` a manifest
 * stored before such groups were refused) is for any admin or approver key. Chat links are
 * addressed by the channel they were sent to.
 */
function requireGroup(approval: ApprovalRecord, role: string): void {
  const groups = approval.escalatedAt ? [...approval.approvers, ...(approval.escalateTo ?? [])] : approval.approvers;
  const roles = deciderGroupsOf(groups);
  if (roles.length > 0 && !roles.includes(`role:${role}`))
    throw new TollgateError(
      "forbidden",
      `${approval.id} is for ${roles.join(", ")}${approval.escalateTo && !approval.escalatedAt ? ` (${deciderGroupsOf(approval.escalateTo).join(", ") || "any approver"} once it escalates)` : ""}; a key with role ${role} cannot decide it`,
    );
}
