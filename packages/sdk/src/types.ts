/** Shapes of the Tollgate HTTP API, as an agent, an approver or an auditor sees them. */
import type { RunVersions } from "./change-control-types.js";
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
  versions: RunVersions;
  /** set on simulated runs (evals) */
  simulated?: true;
  agent: string | null;
  actingAs: ActingAs | null;
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
  /** whose authority the call used */
  actingAs?: ActingAs;
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
    /** the approval of an approval.* event */
    approvalId?: string;
    /** the alert of alert.raised */
    alertId?: string;
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

/** A SIEM sink's definition (`PUT /v1/workspaces/{ws}/sinks/{name}`); docs/siem.md explains each kind. */
export type SinkDefinition = {
  format?: "native" | "ocsf" | "cef";
  /** where a new sink starts: every retained event (default) or only new ones */
  from?: "start" | "now";
  batchSize?: number;
} & (
  | { kind: "syslog"; host: string; port: number; tls?: boolean; ca?: string; hostname?: string }
  | { kind: "hec"; url: string; tokenSecret: string; index?: string; sourcetype?: string }
  | { kind: "webhook"; url: string; secretRef: string }
);

/** A sink and how its delivery is going. */
export interface AuditSink {
  name: string;
  kind: "syslog" | "hec" | "webhook";
  format: "native" | "ocsf" | "cef";
  target: string;
  config: Record<string, unknown>;
  cursor: number;
  delivered: number;
  lagEvents: number;
  lagSeconds: number;
  failures: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastDeliveredAt: string | null;
  nextAttemptAt: string;
  alerting: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The tenant's public Ed25519 key that signs audit checkpoints. */
export interface AuditPublicKey {
  tenant: string;
  keyId: string;
  algorithm: "Ed25519";
  /** SPKI PEM */
  publicKey: string;
}

/** Whose authority a run (and each of its tool calls) uses. */
export interface ActingAs {
  kind: "user" | "service";
  id: string;
}

/** An OAuth connection as the API shows it: what it may do, never its tokens. */
export interface Connection {
  name: string;
  kind: "user" | "service";
  issuer: string;
  clientId: string;
  clientSecretRef: string | null;
  redirectUri: string | null;
  /** whether the provider has a revocation endpoint (RFC 7009) */
  revocation: boolean;
  /** the scopes asked for (built from the workflows' systems) */
  scopes: string[];
  /** the systems of the workspace's workflows that use this connection */
  systems: string[];
  blanketAccepted: { scopes: string[]; reason: string; by: string; at: string } | null;
  createdAt: string;
  grants: {
    actingAs: ActingAs;
    status: "connected" | "revoked";
    scopesGranted: string[];
    /** granted but not asked for: flagged */
    scopesWider: string[];
    flagged: boolean;
    expiresAt: string | null;
    connectedAt: string | null;
    refreshedAt: string | null;
    revokedAt: string | null;
  }[];
}

export interface CreateConnectionInput {
  name: string;
  kind: "user" | "service";
  /** discovery (RFC 8414 / OpenID Connect); or give endpoints */
  issuer?: string;
  endpoints?: { issuer?: string; authorization?: string; token: string; revocation?: string };
  clientId: string;
  /** a workspace secret holding the client secret */
  clientSecretRef?: string;
  /** default: the scopes the workflows list for the systems that use this connection */
  scopes?: string[];
  /** this server's /v1/oauth/callback, as registered with the provider (kind user) */
  redirectUri?: string;
  /** kind user: who connects */
  user?: string;
  /** kind service: the service account's id (default "service") */
  serviceAccount?: string;
  acceptBlanketScopes?: { reason: string };
}

/** The key a client uses, as the server sees it (`GET /v1/whoami`). */
export interface WhoAmI {
  keyId: string;
  name: string;
  role: "operator" | "admin" | "approver" | "auditor" | "agent";
  /** null for the operator key */
  tenant: string | null;
  workspace: string | null;
}

/** A workflow's versions, newest first (`GET …/workflows/{name}/versions`). */
export interface WorkflowHistory {
  name: string;
  active: string;
  items: { version: string; createdAt: string; createdBy: string | null }[];
}

/** One version of a workflow as it was put. */
export interface WorkflowVersion {
  name: string;
  version: string;
  manifest: Record<string, unknown>;
  /** the text that was put (YAML or JSON) */
  source: string;
  createdAt: string;
  createdBy: string | null;
}

/** What changed between two versions of a workflow: hunks of a line diff of their sources. */
export interface WorkflowDiff {
  name: string;
  from: { version: string; createdAt: string; createdBy: string | null };
  to: { version: string; createdAt: string; createdBy: string | null };
  /** each line starts with " " (kept), "-" (only in `from`) or "+" (only in `to`) */
  hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[];
}
