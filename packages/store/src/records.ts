import type { Role } from "./schema.js";

/** What the repositories hand out: camelCase records with JSON columns parsed. */
export interface TenantRecord {
  id: string;
  name: string | null;
  wrappedKey: string;
  createdAt: string;
}

export interface WorkspaceRecord {
  id: string;
  tenantId: string;
  name: string | null;
  createdAt: string;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  workspaceId: string | null;
  name: string;
  role: Role;
  secretHash: string;
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** a rotated key stops working at this time */
  expiresAt?: string | null;
  replacedBy?: string | null;
}

export interface WorkflowVersionRecord {
  workspaceId: string;
  name: string;
  version: string;
  source: string;
  manifest: unknown;
  createdAt: string;
  createdBy: string | null;
}

export type RunStatus = "running" | "succeeded" | "failed" | "cancelled" | "stopped";

export interface RunRecord {
  id: string;
  tenantId: string;
  workspaceId: string;
  workflow: string;
  workflowVersion: string;
  agent: string | null;
  actingAs: string | null;
  labels: Record<string, string>;
  traceId: string;
  status: RunStatus;
  stopReason: string | null;
  toolCalls: number;
  modelCalls: number;
  costUsd: number;
  startedBy: string;
  startedAt: string;
  deadlineAt: string | null;
  endedAt: string | null;
  output: unknown;
  /** everything the run ran with (null on runs started before change control) */
  versions: RunVersions | null;
  /** set on simulated runs (evals): tool calls get scripted responses, real systems are never called */
  simulation: RunSimulation | null;
}

/** The versions a run is pinned to (issue 11). */
export interface RunVersions {
  /** the workflow manifest's content version */
  workflow: string;
  /** prompt name → content version */
  prompts: Record<string, string>;
  /** `system.tool` → pinned hash of the upstream MCP tool definition */
  tools: Record<string, string>;
  model: string | null;
  /** the release the versions came from, if any */
  release: string | null;
}

export interface RunSimulation {
  /** tool id → scripted response(s); see core `pickScriptedResponse` */
  responses: Record<string, unknown>;
}

export interface PromptVersionRecord {
  workspaceId: string;
  name: string;
  version: string;
  template: string;
  createdAt: string;
  createdBy: string | null;
}

export interface ReleaseRecord {
  id: string;
  workspaceId: string;
  workflow: string;
  workflowVersion: string;
  prompts: Record<string, string>;
  model: string | null;
  description: string | null;
  createdAt: string;
  createdBy: string | null;
}

export interface EvalReportRecord {
  id: string;
  workspaceId: string;
  releaseId: string;
  suite: string;
  passed: boolean;
  report: unknown;
  reportHash: string;
  uploadedAt: string;
  uploadedBy: string;
}

export interface ReleaseActivationRecord {
  id: string;
  workspaceId: string;
  workflow: string;
  releaseId: string;
  kind: "activate" | "override" | "rollback";
  previousActivationId: string | null;
  evalReportId: string | null;
  overrideReason: string | null;
  activatedAt: string;
  activatedBy: string;
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

export interface ToolCallRecord {
  id: string;
  tenantId: string;
  workspaceId: string;
  runId: string;
  tool: string;
  class: string;
  args: unknown;
  argsSealed: string | null;
  argsHash: string;
  decision: string;
  rules: string[];
  reason: string;
  status: ToolCallStatus;
  result: unknown;
  error: { code: string; message: string } | null;
  approvalId: string | null;
  idempotencyKey: string | null;
  attempts: number;
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** whose authority the call used: `service`, `service:<id>` or `user:<id>` (null before issue 6) */
  actingAs?: string | null;
}

export type ApprovalStatus = "pending" | "approved" | "denied" | "expired" | "cancelled";

export interface ApprovalRecord {
  id: string;
  tenantId: string;
  workspaceId: string;
  runId: string;
  callId: string;
  argsHash: string;
  status: ApprovalStatus;
  requestedBy: string;
  expiresAt: string;
  createdAt: string;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: string | null;
  reason: string | null;
  channel: string | null;
  /** distinct approvals needed before the call runs */
  required: number;
  /** distinct approvals so far */
  approvalCount: number;
  /** the approver group notified first */
  approvers: string[];
  /** onTimeout escalate: the group notified when the first timeout passes (null: deny on timeout) */
  escalateTo: string[] | null;
  escalatedAt: string | null;
}

/** One person's (or one chat link's) decision on an approval, with what they were shown. */
export interface ApprovalDecisionRecord {
  approvalId: string;
  /** key id, or link:<id> for a chat link */
  approver: string;
  approverName: string;
  approverRole: string;
  decision: "approve" | "deny";
  reason: string | null;
  channel: string;
  shown: unknown;
  decidedAt: string;
}

export interface NewAuditEvent {
  type: string;
  workspace?: string | null;
  run?: string | null;
  call?: string | null;
  actor?: string | null;
  data?: Record<string, unknown>;
  ts?: string;
}

/** The pinned definition of one upstream MCP tool for one workflow version. */
export interface ToolPinRecord {
  workspaceId: string;
  workflow: string;
  version: string;
  system: string;
  /** the upstream tool's name */
  tool: string;
  hash: string;
  /** what the hash covers: { name, description, inputSchema } */
  definition: unknown;
  pinnedAt: string;
  pinnedBy: string | null;
  acceptedAt: string | null;
  acceptedBy: string | null;
}
