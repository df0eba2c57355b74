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
  /** distinct approvals so far and needed */
  approvals: { count: number; required: number };
  escalatedAt?: string;
}

/** One approval in full, with every decision and what each approver was shown. */
export interface ApprovalDetail extends Approval {
  workspace: string;
  run?: { id: string; workflow: string; workflowVersion: string; agent: string | null; status: string };
  call?: ToolCall;
  argsHash: string;
  approvers: string[];
  escalateTo: string[] | null;
  decisions: {
    approver: string;
    name: string;
    role: string;
    decision: "approve" | "deny";
    reason: string | null;
    channel: string;
    decidedAt: string;
    shown: { tool: string; class: string; args: unknown; rules: string[]; reason: string };
  }[];
}

export type NotificationChannel =
  | { name: string; kind: "webhook"; url: string; secretRef: string; groups?: string[] }
  | { name: string; kind: "slack"; urlSecretRef: string; groups?: string[] };

export interface NotificationSettings {
  channels: (NotificationChannel & { updatedAt: string })[];
  deliveries: {
    id: string;
    channel: string;
    event: string;
    approvalId: string;
    status: "pending" | "delivered" | "failed";
    attempts: number;
    nextAttemptAt: string | null;
    lastError: string | null;
    createdAt: string;
    deliveredAt: string | null;
  }[];
}

export interface PolicySuggestionsResult {
  workspace: string;
  minApprovals: number;
  considered: number;
  actions: {
    workflow: string;
    tool: string;
    class: string;
    requests: number;
    approved: number;
    denied: number;
    expired: number;
    cancelled: number;
    pending: number;
    approvers: { name: string; approved: number; denied: number }[];
    waitSeconds: { p50: number; max: number } | null;
    askedBy: string[];
    suggestion: {
      rule: { name: string; match: string; when?: string; effect: "allow"; reason: string };
      yaml: string;
    } | null;
    verdict: string;
  }[];
}

export interface ApprovalDecision {
  id: string;
  /** pending: this approval is recorded and another distinct approver is needed */
  status: "approved" | "denied" | "pending";
  decidedBy: string;
  decidedByKey: string | null;
  decidedAt: string;
  reason: string | null;
  channel: string;
  approvals: { count: number; required: number };
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
