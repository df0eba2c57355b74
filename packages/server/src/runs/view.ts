import { readActingAs } from "@tollgate/core";
import type { RunRecord } from "@tollgate/store";

/** The run as the API shows it. */
export function runView(r: RunRecord) {
  return {
    id: r.id,
    workspace: r.workspaceId,
    workflow: r.workflow,
    workflowVersion: r.workflowVersion,
    versions: r.versions ?? { workflow: r.workflowVersion, prompts: {}, tools: {}, model: null, release: null },
    ...(r.simulation ? { simulated: true } : {}),
    agent: r.agent,
    actingAs: readActingAs(r.actingAs),
    labels: r.labels,
    traceId: r.traceId,
    status: r.status,
    stopReason: r.stopReason,
    usage: { toolCalls: r.toolCalls, modelCalls: r.modelCalls, costUsd: r.costUsd },
    startedBy: r.startedBy,
    startedAt: r.startedAt,
    deadlineAt: r.deadlineAt,
    endedAt: r.endedAt,
    output: r.output,
  };
}

export type RunView = ReturnType<typeof runView>;
