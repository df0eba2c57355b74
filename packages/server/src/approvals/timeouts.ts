import type { ApprovalRecord, Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import { enqueueNotifications } from "../notifications/enqueue.js";

/**
 * What happens when nobody decides in time: `onTimeout: deny` (the default) ends the approval
 * `expired` and the call is not run; `escalate` first re-notifies the `escalateTo` group and gives
 * it one more timeout, then expires. Driven by the jobs runner (so it happens while nobody is
 * looking) and by a decision that arrives late. Every step is a compare-and-set, so replicas and
 * a racing decision never both win.
 */
export class ApprovalTimeouts {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly notifyCallDone: (callId: string) => void,
  ) {}

  /** One pass over approvals past their deadline. Returns how many it handled. */
  async runOnce(batch = 200): Promise<number> {
    const due = await this.store.findDueApprovals(iso(this.clock), batch);
    for (const a of due) await this.handleDue(a.tenantId, a);
    return due.length;
  }

  async handleDue(tenantId: string, a: ApprovalRecord): Promise<void> {
    if (a.escalateTo && !a.escalatedAt) await this.escalate(tenantId, a, a.escalateTo);
    else await this.expire(tenantId, a);
  }

  private async escalate(tenantId: string, a: ApprovalRecord, group: string[]): Promise<void> {
    const now = iso(this.clock);
    // the escalated group gets as long as the first one had
    const timeoutMs = Date.parse(a.expiresAt) - Date.parse(a.createdAt);
    const expiresAt = iso(this.clock, Math.max(timeoutMs, 1000));
    await this.store.transaction(tenantId, async (s) => {
      if (!(await s.approvals.escalate(a.id, expiresAt, now))) return;
      const notified = await enqueueNotifications(s, a.workspaceId, a.id, "approval.escalated", group, now);
      await s.audit.append(
        [
          {
            type: "approval.escalated",
            workspace: a.workspaceId,
            run: a.runId,
            call: a.callId,
            data: { approvalId: a.id, escalateTo: group, expiresAt, channelsNotified: notified },
          },
        ],
        now,
      );
    });
  }

  async expire(tenantId: string, a: ApprovalRecord): Promise<void> {
    const now = iso(this.clock);
    const expired = await this.store.transaction(tenantId, async (s) => {
      if (
        !(await s.approvals.decide(a.id, {
          status: "expired",
          decidedBy: null,
          decidedByName: null,
          decidedAt: now,
          reason: "no decision before the approval timed out",
          channel: null,
        }))
      )
        return false;
      await s.toolCalls.update(
        a.callId,
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
            workspace: a.workspaceId,
            run: a.runId,
            call: a.callId,
            data: {
              approvalId: a.id,
              escalated: a.escalatedAt !== null,
              approvals: { count: a.approvalCount, required: a.required },
            },
          },
        ],
        now,
      );
      return true;
    });
    if (expired) this.notifyCallDone(a.callId);
  }
}
