import type { ObservedRun } from "@tollgate/core";
import type { RunRecord, ToolCallRecord } from "@tollgate/store";

/** A run and its calls as an eval case's expectations read them. */
export function observedRun(run: RunRecord, calls: ToolCallRecord[]): ObservedRun {
  return {
    runId: run.id,
    status: run.status,
    stopReason: run.stopReason,
    usage: { toolCalls: run.toolCalls, modelCalls: run.modelCalls, costUsd: run.costUsd },
    output: run.output,
    calls: calls.map((c) => ({ tool: c.tool, args: c.args, decision: c.decision, status: c.status, rules: c.rules })),
  };
}
