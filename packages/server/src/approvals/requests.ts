import { type CompiledWorkflow, type Decision, newId, TollgateError } from "@tollgate/core";
import type { NewAuditEvent, Store, TenantScope } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import { enqueueNotifications } from "../notifications/enqueue.js";

/** Caps on pending approvals (THREATS #10): past them new calls that need a human get 429. */
export interface ApprovalFloodLimits {
  maxPendingApprovalsPerRun: number;
  maxPendingApprovalsPerWorkspace: number;
}

export const defaultApprovalFloodLimits: ApprovalFloodLimits = {
  maxPendingApprovalsPerRun: 20,
  maxPendingApprovalsPerWorkspace: 500,
};

export interface ApprovalRequest {
  approvalId: string;
  callId: string;
  workspaceId: string;
  runId: string;
  argsHash: string;
  requestedBy: string;
  tool: string;
  storedArgs: unknown;
  rules: string[];
  reason: string;
  wf: CompiledWorkflow;
  decision: Decision;
  now: string;
  expiresAt: string;
}

/** More distinct approvers win: the workflow's number, a class default's or an applied rule's. */
export function approvalsRequired(wf: CompiledWorkflow, decision: Decision): number {
  return Math.max(wf.approvals.required, decision.approvalsRequired ?? 1);
}

/**
 * Inside the call's intent transaction: refuse past the flood caps (throwing rolls the intent
 * back, so a refused call costs no budget), insert the approval, queue its notifications (sent by
 * the notifications job, so a slow receiver never holds a call up), and return its audit event.
 */
export async function openApproval(
  s: TenantScope,
  req: ApprovalRequest,
  limits: ApprovalFloodLimits,
): Promise<NewAuditEvent> {
  const perRun = await s.approvals.countPending({ runId: req.runId });
  if (perRun >= limits.maxPendingApprovalsPerRun)
    throw flooded("run", req.runId, perRun, limits.maxPendingApprovalsPerRun);
  const perWorkspace = await s.approvals.countPending({ workspaceId: req.workspaceId });
  if (perWorkspace >= limits.maxPendingApprovalsPerWorkspace)
    throw flooded("workspace", req.workspaceId, perWorkspace, limits.maxPendingApprovalsPerWorkspace);
  const required = approvalsRequired(req.wf, req.decision);
  const { approvers, escalateTo } = req.wf.approvals;
  await s.approvals.insert({
    id: req.approvalId,
    workspaceId: req.workspaceId,
    runId: req.runId,
    callId: req.callId,
    argsHash: req.argsHash,
    requestedBy: req.requestedBy,
    expiresAt: req.expiresAt,
    createdAt: req.now,
    required,
    approvers,
    escalateTo: req.wf.approvals.onTimeout === "escalate" && escalateTo ? escalateTo : null,
  });
  await enqueueNotifications(s, req.workspaceId, req.approvalId, "approval.requested", approvers, req.now);
  return {
    type: "approval.requested",
    workspace: req.workspaceId,
    run: req.runId,
    call: req.callId,
    actor: req.requestedBy,
    data: {
      approvalId: req.approvalId,
      tool: req.tool,
      args: req.storedArgs,
      rules: req.rules,
      reason: req.reason,
      expiresAt: req.expiresAt,
      required,
      approvers,
    },
  };
}

function flooded(scope: "run" | "workspace", id: string, pending: number, cap: number): TollgateError {
  return new TollgateError(
    "approvals_flooded",
    `${scope} ${id} already has ${pending} approvals waiting (cap ${cap}); decide or cancel some before asking for more`,
    { scope, pending, cap },
  );
}

/** How the flood alert is raised: the alerts service (stored, listed, sent to the workspace webhook). */
export type RaiseFloodAlert = (a: {
  tenantId: string;
  workspaceId: string;
  runId: string;
  message: string;
  data: Record<string, unknown>;
  dedupeKey: string;
}) => void;

/**
 * A call refused by a flood cap is on record (`approval.flooded`), and the flood raises an alert
 * through the alerts service, at most once per workspace and scope per quiet period so a flood
 * does not flood the alerts too. Without an alerts service the alert is an `alert.raised` event.
 */
export class FloodRecorder {
  private readonly lastAlert = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly raise?: RaiseFloodAlert,
    private readonly quietMs = 5 * 60_000,
  ) {}

  /** Rethrows `e`; when it is a flood refusal, puts it on record (and maybe raises the alert) first. */
  async refusedIfFlooded(
    e: unknown,
    ctx: {
      principal: { tenantId: string; keyId: string };
      run: { id: string; workspaceId: string };
      tool: string;
      args: unknown;
    },
  ): Promise<never> {
    if (e instanceof TollgateError && e.code === "approvals_flooded") {
      await this.record(e, {
        tenantId: ctx.principal.tenantId,
        workspaceId: ctx.run.workspaceId,
        runId: ctx.run.id,
        actor: ctx.principal.keyId,
        tool: ctx.tool,
        args: ctx.args,
      });
    }
    throw e;
  }

  private async record(
    e: TollgateError,
    ctx: { tenantId: string; workspaceId: string; runId: string; actor: string; tool: string; args: unknown },
  ): Promise<void> {
    const now = iso(this.clock);
    const key = `${ctx.tenantId}/${ctx.workspaceId}/${String(e.extra.scope)}`;
    const last = this.lastAlert.get(key);
    const alert = last === undefined || this.clock.now().getTime() - last >= this.quietMs;
    if (alert) this.lastAlert.set(key, this.clock.now().getTime());
    const events: NewAuditEvent[] = [
      {
        type: "approval.flooded",
        workspace: ctx.workspaceId,
        run: ctx.runId,
        actor: ctx.actor,
        data: { tool: ctx.tool, args: ctx.args, scope: e.extra.scope, pending: e.extra.pending, cap: e.extra.cap },
      },
    ];
    const subject = `${String(e.extra.scope)} ${e.extra.scope === "run" ? ctx.runId : ctx.workspaceId}`;
    if (alert && this.raise) {
      this.raise({
        tenantId: ctx.tenantId,
        workspaceId: ctx.workspaceId,
        runId: ctx.runId,
        message: e.message,
        data: { subject, scope: e.extra.scope, pending: e.extra.pending, cap: e.extra.cap },
        dedupeKey: `approvals_flooded:${subject}:${now}`,
      });
    } else if (alert) {
      events.push({
        type: "alert.raised",
        workspace: ctx.workspaceId,
        run: ctx.runId,
        data: {
          id: newId("alr"),
          kind: "approvals_flooded",
          subject,
          severity: "critical",
          message: e.message,
          scope: e.extra.scope,
          pending: e.extra.pending,
          cap: e.extra.cap,
        },
      });
    }
    await this.store.transaction(ctx.tenantId, (s) => s.audit.append(events, now));
  }
}
