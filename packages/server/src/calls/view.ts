import { readActingAs } from "@tollgate/core";
import type { ToolCallRecord } from "@tollgate/store";

/** The tool call as the API shows it. Arguments and results are the stored, redacted forms. */
export function toolCallView(c: ToolCallRecord) {
  return {
    id: c.id,
    runId: c.runId,
    tool: c.tool,
    class: c.class,
    status: c.status,
    decision: c.decision,
    rules: c.rules,
    reason: c.reason,
    args: c.args,
    ...(c.result !== null ? { result: c.result } : {}),
    ...(c.error ? { error: c.error } : {}),
    ...(c.approvalId ? { approvalId: c.approvalId } : {}),
    attempts: c.attempts,
    ...(c.actingAs ? { actingAs: readActingAs(c.actingAs) } : {}),
    createdAt: c.createdAt,
    ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
  };
}

export type ToolCallView = ReturnType<typeof toolCallView>;

export const terminalCallStatuses = new Set([
  "succeeded",
  "failed",
  "blocked",
  "denied",
  "expired",
  "cancelled",
  "outcome_unknown",
]);
