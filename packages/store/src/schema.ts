/**
 * The database schema as Kysely types. Times are ISO-8601 UTC strings (they sort and read the
 * same on both dialects); JSON documents are stored as text; every row carries `tenant_id`.
 */
export interface TenantsTable {
  id: string;
  name: string | null;
  wrapped_key: string;
  created_at: string;
}

export interface WorkspacesTable {
  id: string;
  tenant_id: string;
  name: string | null;
  created_at: string;
}

export type Role = "operator" | "admin" | "approver" | "auditor" | "agent";

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  workspace_id: string | null;
  name: string;
  role: Role;
  secret_hash: string;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface SecretsTable {
  tenant_id: string;
  workspace_id: string;
  name: string;
  ciphertext: string;
  updated_at: string;
}

export interface WorkflowsTable {
  tenant_id: string;
  workspace_id: string;
  name: string;
  active_version: string;
  updated_at: string;
}

export interface WorkflowVersionsTable {
  tenant_id: string;
  workspace_id: string;
  name: string;
  version: string;
  source: string;
  manifest: string;
  created_at: string;
  created_by: string | null;
}

export interface RunsTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  workflow: string;
  workflow_version: string;
  agent: string | null;
  acting_as: string | null;
  labels: string;
  trace_id: string;
  status: string;
  stop_reason: string | null;
  tool_calls: number;
  model_calls: number;
  cost_usd: number;
  started_by: string;
  started_at: string;
  deadline_at: string | null;
  ended_at: string | null;
  output: string | null;
}

export interface ToolCallsTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  run_id: string;
  tool: string;
  class: string;
  args: string;
  args_sealed: string | null;
  args_hash: string;
  decision: string;
  rules: string;
  reason: string;
  status: string;
  result: string | null;
  error: string | null;
  approval_id: string | null;
  idempotency_key: string | null;
  attempts: number;
  requested_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface ApprovalsTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  run_id: string;
  call_id: string;
  args_hash: string;
  status: string;
  requested_by: string;
  expires_at: string;
  created_at: string;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  reason: string | null;
  channel: string | null;
  required: number;
  approval_count: number;
  approvers: string | null;
  escalate_to: string | null;
  escalated_at: string | null;
}

export interface ApprovalDecisionsTable {
  tenant_id: string;
  approval_id: string;
  approver: string;
  approver_name: string;
  approver_role: string;
  decision: string;
  reason: string | null;
  channel: string;
  shown: string;
  decided_at: string;
}

export interface NotificationChannelsTable {
  tenant_id: string;
  workspace_id: string;
  name: string;
  kind: string;
  config: string;
  updated_at: string;
}

export interface NotificationOutboxTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  channel: string;
  event: string;
  approval_id: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface AuditEventsTable {
  tenant_id: string;
  seq: number;
  id: string;
  ts: string;
  type: string;
  workspace_id: string | null;
  run_id: string | null;
  call_id: string | null;
  actor: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadsTable {
  tenant_id: string;
  seq: number;
  hash: string;
}

export interface ToolPinsTable {
  tenant_id: string;
  workspace_id: string;
  workflow: string;
  version: string;
  system: string;
  tool: string;
  hash: string;
  definition: string;
  pinned_at: string;
  pinned_by: string | null;
  accepted_at: string | null;
  accepted_by: string | null;
}

export interface AuditSinksTable {
  tenant_id: string;
  workspace_id: string;
  name: string;
  kind: string;
  format: string;
  config: string;
  cursor_seq: number;
  delivered: number;
  failures: number;
  next_attempt_at: string;
  last_error: string | null;
  last_error_at: string | null;
  last_delivered_at: string | null;
  alerted_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface AuditSigningKeysTable {
  tenant_id: string;
  key_id: string;
  public_key: string;
  private_key_sealed: string;
  created_at: string;
}

export interface AuditCheckpointsTable {
  tenant_id: string;
  seq: number;
  hash: string;
  signed_at: string;
  key_id: string;
  signature: string;
}

export interface Database {
  tenants: TenantsTable;
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  secrets: SecretsTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  runs: RunsTable;
  tool_calls: ToolCallsTable;
  approvals: ApprovalsTable;
  approval_decisions: ApprovalDecisionsTable;
  notification_channels: NotificationChannelsTable;
  notification_outbox: NotificationOutboxTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
  audit_sinks: AuditSinksTable;
  audit_signing_keys: AuditSigningKeysTable;
  audit_checkpoints: AuditCheckpointsTable;
  tool_pins: ToolPinsTable;
}
