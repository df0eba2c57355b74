import type { ChainedAuditEvent } from "@tollgate/core";

/** What every format needs to know about one audit event, beyond the event itself. */
export interface ExportEvent {
  tenant: string;
  event: ChainedAuditEvent;
  /** the W3C trace id of the event's run, when it has one */
  traceId: string | null;
}

export type Outcome = "success" | "failure" | "unknown";
export type Severity = "info" | "low" | "medium" | "high";

export interface Classified {
  outcome: Outcome;
  severity: Severity;
  /** the operation as a SIEM shows it: the tool for tool-call events, else the event type */
  operation: string;
  /** the system a tool call went to, when there is one */
  system: string | null;
  /** READ | WRITE | DELETE | EXTERNAL_SEND when the event says */
  actionClass: string | null;
  /** block | approve | allow, for decisions */
  decision: string | null;
  reason: string | null;
}

export const product = { name: "Tollgate", vendor: "Tollgate", version: "0.1.0" } as const;

const failing = new Set([
  "tool_call.failed",
  "tool_call.rejected",
  "tool_call.rate_limited",
  "tool_call.tool_changed",
  "approval.expired",
  "run.stopped",
]);

/** One reading of an event that the native, OCSF, CEF and syslog mappings share. */
export function classify(e: ChainedAuditEvent): Classified {
  const d = e.data as Record<string, unknown>;
  const tool = typeof d.tool === "string" ? d.tool : null;
  const decision = typeof d.decision === "string" ? d.decision : null;
  let outcome: Outcome = "success";
  if (failing.has(e.type) || decision === "block" || decision === "deny" || decision === "denied") outcome = "failure";
  if (e.type === "tool_call.outcome_unknown") outcome = "unknown";
  let severity: Severity = "info";
  if (outcome === "failure") severity = e.type === "tool_call.failed" ? "low" : "medium";
  if (e.type === "tool_call.outcome_unknown" || e.type.startsWith("alert.") || e.type === "tool_call.tool_changed")
    severity = "high";
  const reason = typeof d.reason === "string" ? d.reason : typeof d.stopReason === "string" ? d.stopReason : null;
  return {
    outcome,
    severity,
    operation: tool ?? e.type,
    system: tool?.includes(".") ? tool.split(".")[0]! : null,
    actionClass: typeof d.class === "string" ? d.class : null,
    decision,
    reason,
  };
}

/** A one-line human summary (CEF name, OCSF message). */
export function summaryOf(e: ChainedAuditEvent, c: Classified): string {
  if (e.type === "tool_call.decided")
    return `${c.operation} ${c.decision === "allow" ? "allowed" : c.decision === "approve" ? "needs approval" : "blocked"}`;
  if (e.type.startsWith("tool_call.")) return `${c.operation} ${e.type.slice("tool_call.".length).replace(/_/g, " ")}`;
  return e.type.replace(/[._]/g, " ");
}
