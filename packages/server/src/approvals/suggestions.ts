import { type ApprovalHistoryItem, defaultSuggestOptions, suggestRelaxations } from "@tollgate/core";
import type { Store } from "@tollgate/store";
import { can, workspaceAccess } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";

const historyLimit = 5_000;

/**
 * `GET /v1/workspaces/{ws}/policy/suggestions`: the record of the calls that needed a human, per
 * action, and where it supports relaxing, the allow rule to paste (core's suggestRelaxations).
 */
export class PolicySuggestions {
  constructor(private readonly store: Store) {}

  async suggest(p: Principal, workspaceId: string, opts: { workflow?: string; minApprovals?: number }) {
    const tenantId = await workspaceAccess(this.store, p, workspaceId, can.listApprovals);
    const scope = this.store.scope(tenantId);
    const rows = await scope.approvals.history({
      workspaceId,
      ...(opts.workflow ? { workflow: opts.workflow } : {}),
      limit: historyLimit,
    });
    const decisions = await scope.approvals.decisions(rows.map((r) => r.approval.id));
    const byApproval = new Map<string, ApprovalHistoryItem["decisions"]>();
    for (const d of decisions) {
      const list = byApproval.get(d.approvalId) ?? [];
      list.push({ name: d.approverName, decision: d.decision, reason: d.reason });
      byApproval.set(d.approvalId, list);
    }
    const minApprovals = opts.minApprovals ?? defaultSuggestOptions.minApprovals;
    // per workflow: the same action may sit under different policies in two workflows
    const byWorkflow = new Map<string, ApprovalHistoryItem[]>();
    for (const r of rows) {
      const list = byWorkflow.get(r.workflow) ?? [];
      list.push({
        tool: r.tool,
        class: r.class,
        args: r.args,
        rules: r.rules,
        status: r.approval.status,
        requestedAt: r.approval.createdAt,
        decidedAt: r.approval.decidedAt,
        decisions: byApproval.get(r.approval.id) ?? [],
      });
      byWorkflow.set(r.workflow, list);
    }
    const actions = [...byWorkflow.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .flatMap(([workflow, items]) => suggestRelaxations(items, { minApprovals }).map((e) => ({ workflow, ...e })));
    return { workspace: workspaceId, minApprovals, considered: rows.length, actions };
  }
}
