/** Shapes of the Tollgate HTTP API, as an agent, an approver or an auditor sees them. */
export type Effect = "block" | "approve" | "allow";
export type ActionClass = "READ" | "WRITE" | "DELETE" | "EXTERNAL_SEND";

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  [extra: string]: unknown;
}

export interface Run {
  id: string;
  workspace: string;
  workflow: string;
  workflowVersion: string;
  versions: Record<string, string>;
  agent: string | null;
  actingAs: string | null;
  labels: Record<string, string>;
  traceId: string;
  status: "running" | "succeeded" | "failed" | "cancelled" | "stopped";
  stopReason: string | null;
  usage: { toolCalls: number; modelCalls: number; costUsd: number };
  startedBy: string;
  startedAt: string;
  deadlineAt: string | null;
  endedAt: string | null;
  output: unknown;
}

export type ToolCallStatus =
  | "pending_approval"
  | "approved"
  | "executing"
  | "succeeded"
  | "failed"
  | "blocked"
  | "denied"
  | "expired"
  | "cancelled"
  | "outcome_unknown";

export interface ToolCall {
  id: string;
  runId: string;
  tool: string;
  class: string;
  status: ToolCallStatus;
  decision: Effect;
  rules: string[];
  reason: string;
  args: unknown;
  result?: unknown;
  error?: { code: string; message: string; upstreamStatus?: number };
  approvalId?: string;
  attempts: number;
  createdAt: string;
  finishedAt?: string;
  replayed?: true;
}

export interface Approval {
  id: string;
  callId: string;
  runId: string;
  tool?: string;
  class?: ActionClass;
  args?: unknown;
  rules: string[];
  reason?: string;
  status: "pending" | "approved" | "denied" | "expired" | "cancelled";
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy?: string;
  decidedAt?: string;
  decisionReason?: string | null;
  channel?: string | null;
}

export interface ApprovalDecision {
  id: string;
  status: "approved" | "denied";
  decidedBy: string;
  decidedByKey: string;
  decidedAt: string;
  reason: string | null;
  channel: string;
}

export interface AuditEvent {
  seq: number;
  id: string;
  ts: string;
  type: string;
  workspace: string | null;
  run: string | null;
  call: string | null;
  actor: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
  cursor: string;
}

export interface TimelineEntry {
  at: string;
  seq: number;
  type: string;
  callId?: string;
  summary: string;
  details?: Record<string, unknown>;
}

export interface Timeline {
  run: Run;
  entries: TimelineEntry[];
}

export interface SimulateResult {
  decision: Effect;
  class: ActionClass | null;
  rules: string[];
  reason: string;
  version: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBadSeq?: number;
  problem?: string;
}

/** A pinned upstream MCP tool definition of a workflow and whether the upstream still matches it. */
export interface ToolPin {
  /** the action, `system.action` */
  tool: string;
  system: string;
  upstreamTool: string;
  pinnedHash: string;
  /** null when the upstream does not offer the tool (or cannot be reached) */
  currentHash: string | null;
  changed: boolean;
  pinnedAt: string;
  acceptedAt: string | null;
  acceptedBy: string | null;
}
