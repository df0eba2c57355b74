import type { ChainedAuditEvent } from "@tollgate/core";
import type { RunView } from "./view.js";

export interface TimelineEntry {
  at: string;
  seq: number;
  type: string;
  callId?: string;
  summary: string;
  details?: Record<string, unknown>;
}

type D = Record<string, unknown>;

/** One sentence per event, written for a person reading the run after the fact. */
const describe: Record<string, (d: D, e: ChainedAuditEvent) => string> = {
  "run.started": (d) =>
    `Run started by ${d.agent} on workflow ${d.workflow} (version ${short(d.workflowVersion)}), acting as ${actingAsText(d.actingAs)}`,
  "tool_call.decided": (d) => `Agent asked for ${d.tool}(${brief(d.args)}): ${verdict(d.decision)}, ${d.reason}`,
  "tool_call.rejected": (d) =>
    `Agent asked for ${d.tool} with arguments that do not fit its schema: ${(d.errors as { path: string; message: string }[]).map((x) => `${x.path} ${x.message}`).join("; ")}`,
  "approval.requested": (d) =>
    `Approval requested for ${d.tool}${Number(d.required) > 1 ? ` from ${d.required} distinct approvers` : ""}; it expires at ${d.expiresAt}`,
  "approval.decided": (d) => {
    const who = d.approver as { name: string; role: string };
    const n = d.approvals as { count: number; required: number } | undefined;
    const waiting =
      d.status === "pending" && n ? ` (${n.count} of ${n.required} approvals; waiting for another approver)` : "";
    return `${who.name} (${who.role}) ${d.decision} it via ${d.channel}${d.reason ? `: "${d.reason}"` : ""}${waiting}`;
  },
  "approval.escalated": (d) =>
    `Nobody decided in time: escalated to ${(d.escalateTo as string[]).join(", ")}, who have until ${d.expiresAt}`,
  "approval.flooded": (d) =>
    `Agent asked for ${d.tool}: refused, the ${d.scope} already has ${d.pending} approvals waiting (cap ${d.cap})`,
  "alert.raised": (d) => `Alert (${d.kind}): ${d.message}`,
  "approval.expired": () => "The approval expired without a decision; the call was not run",
  "approval.cancelled": (d) => `The pending approval was cancelled (${d.reason})`,
  "tool_call.completed": (d) =>
    `${d.tool} ran and succeeded in ${d.durationMs} ms${Number(d.attempts) > 1 ? ` after ${d.attempts} attempts` : ""}`,
  "tool_call.failed": (d) =>
    `${d.tool} failed after ${d.attempts} attempt(s): ${(d.error as D | undefined)?.message ?? "error"}`,
  "tool_call.outcome_unknown": (d) =>
    `${d.tool} may or may not have run: ${(d.error as D | undefined)?.message ?? ""}. It is not retried; check the system`,
  "tool_call.attempt_failed": (d) =>
    `Attempt ${d.attempt} of ${d.tool} failed (${d.error}); retrying in ${d.retryInMs} ms`,
  "tool_call.rate_limited": (d) =>
    `Agent asked for ${d.tool}: refused, over the system's rate limit (retry after ${d.retryAfterSeconds} s)`,
  "tool_call.tool_changed": (d) =>
    `Agent asked for ${d.tool}: blocked, its upstream MCP tool changed since it was pinned (an admin must accept the new definition)`,
  "model_call.requested": (d) =>
    `Agent called model ${d.model} via ${d.provider}${d.stream ? " (streamed)" : ""}; up to $${Number(d.reservedUsd).toFixed(6)} reserved${(d.redacted as string[] | undefined)?.length ? `; replaced ${(d.redacted as string[]).join(", ")} in the prompt` : ""}`,
  "model_call.completed": (d) =>
    `Model ${d.model} answered in ${d.durationMs} ms: ${d.inputTokens ?? "?"} input and ${d.outputTokens ?? "?"} output tokens, $${Number(d.costUsd).toFixed(6)}`,
  "model_call.failed": (d) =>
    `Model call to ${d.model} failed: ${(d.error as D | undefined)?.message ?? "error"} ($${Number(d.costUsd).toFixed(6)} charged)`,
  "run.stopped": (d) => `Run stopped: ${d.stopReason}`,
  "run.finished": (d) => `Run finished as ${d.status}`,
};

export function buildTimeline(run: RunView, events: ChainedAuditEvent[]) {
  const entries: TimelineEntry[] = events.map((e) => ({
    at: e.ts,
    seq: e.seq,
    type: e.type,
    ...(e.call ? { callId: e.call } : {}),
    summary: (describe[e.type] ?? ((_d: D, ev: ChainedAuditEvent) => ev.type))(e.data, e),
    details: e.data,
  }));
  return { run, entries };
}

function verdict(decision: unknown): string {
  return decision === "allow" ? "allowed" : decision === "approve" ? "needs approval" : "blocked";
}

function short(v: unknown): string {
  return String(v)
    .replace(/^sha256:/, "")
    .slice(0, 12);
}

function brief(args: unknown): string {
  const text = JSON.stringify(args ?? {});
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** `{kind, id}` (or the older plain string) as words. */
function actingAsText(a: unknown): string {
  if (a && typeof a === "object") {
    const { kind, id } = a as { kind?: string; id?: string };
    return kind === "service" && id === "service" ? "the service account" : `${kind} ${id}`;
  }
  return String(a);
}
