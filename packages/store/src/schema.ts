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
  /** a rotated key stops working at this time (the grace period's end) */
  expires_at?: string | null;
  /** the key that replaced this one on rotation */
  replaced_by?: string | null;
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
  /** JSON RunVersions (migration 007; null on runs started before it) */
  versions: string | null;
  /** JSON simulation settings: scripted tool responses instead of the real systems */
  simulation: string | null;
  /** when the retention job replaced this run's payloads with the purged marker (migration 008) */
  payloads_purged_at?: string | null;
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
  /** whose authority the call used: `service`, `service:<id>` or `user:<id>` */
  acting_as?: string | null;
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
  /** the approval of an approval.* event, the alert of alert.raised */
  subject_id: string;
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

/** One versioned thing a run ran with, so runs of a version are found by index (issue 11). */
export interface RunVersionsTable {
  tenant_id: string;
  run_id: string;
  workspace_id: string;
  /** workflow | prompt | tool | model */
  kind: string;
  name: string;
  version: string;
}

export interface PromptVersionsTable {
  tenant_id: string;
  workspace_id: string;
  name: string;
  version: string;
  template: string;
  created_at: string;
  created_by: string | null;
}

export interface PromptLabelsTable {
  tenant_id: string;
  workspace_id: string;
  name: string;
  label: string;
  version: string;
  updated_at: string;
  updated_by: string | null;
}

export interface ReleasesTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  workflow: string;
  workflow_version: string;
  prompts: string;
  model: string | null;
  description: string | null;
  created_at: string;
  created_by: string | null;
}

export interface ReleaseEvalReportsTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  release_id: string;
  suite: string;
  passed: number;
  report: string;
  report_hash: string;
  uploaded_at: string;
  uploaded_by: string;
}

export interface ReleaseActivationsTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  workflow: string;
  release_id: string;
  /** activate | override | rollback */
  kind: string;
  previous_activation_id: string | null;
  eval_report_id: string | null;
  override_reason: string | null;
  activated_at: string;
  activated_by: string;
}

export interface ActiveReleasesTable {
  tenant_id: string;
  workspace_id: string;
  workflow: string;
  activation_id: string;
  release_id: string;
  updated_at: string;
}

export interface OAuthConnectionsTable {
  tenant_id: string;
  workspace_id: string;
  name: string;
  kind: string;
  issuer: string | null;
  endpoints: string;
  client_id: string;
  client_secret_ref: string | null;
  redirect_uri: string | null;
  scopes: string;
  blanket_accepted: string | null;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

export interface OAuthGrantsTable {
  tenant_id: string;
  workspace_id: string;
  connection: string;
  subject: string;
  status: string;
  tokens_sealed: string | null;
  expires_at: string | null;
  scopes_granted: string;
  scopes_wider: string;
  generation: number;
  connected_at: string | null;
  refreshed_at: string | null;
  revoked_at: string | null;
  updated_at: string;
}

export interface OAuthStatesTable {
  state_hash: string;
  tenant_id: string;
  workspace_id: string;
  connection: string;
  subject: string;
  verifier_sealed: string;
  nonce: string;
  redirect_uri: string;
  expires_at: string;
  created_at: string;
  created_by: string | null;
}

export interface ModelProvidersTable {
  tenant_id: string;
  workspace_id: string;
  name: string;
  kind: string;
  base_url: string;
  api_key_secret: string;
  models: string;
  updated_at: string;
}

export interface ModelSettingsTable {
  tenant_id: string;
  workspace_id: string;
  prices: string;
  daily_usd: number | null;
  monthly_usd: number | null;
  updated_at: string;
}

export interface WorkspaceSpendTable {
  tenant_id: string;
  workspace_id: string;
  period: string;
  cost_usd: number;
}

export interface ModelCallsTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  run_id: string;
  workflow: string;
  agent: string | null;
  provider: string;
  api: string;
  model: string;
  stream: number;
  status: string;
  request_hash: string;
  prompt_chars: number;
  redacted: string;
  redactions: number;
  sent_kinds: string;
  input_tokens: number;
  output_tokens: number;
  reserved_usd: number;
  cost_usd: number;
  error: string | null;
  requested_by: string;
  created_at: string;
  first_token_ms: number | null;
  duration_ms: number | null;
  finished_at: string | null;
}

export interface AlertsTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  kind: string;
  severity: string;
  run_id: string | null;
  message: string;
  data: string;
  dedupe_key: string | null;
  created_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  delivery: string;
  delivery_error: string | null;
}

/** A workspace's retention windows (durations like "30d"; null: the built-in default). */
export interface RetentionSettingsTable {
  tenant_id: string;
  workspace_id: string;
  runs: string | null;
  payloads: string | null;
  audit: string | null;
  updated_at: string;
  updated_by: string | null;
}

/** A legal hold on a whole workspace (run_id null) or one run; released holds stay on record. */
export interface LegalHoldsTable {
  id: string;
  tenant_id: string;
  workspace_id: string;
  run_id: string | null;
  reason: string;
  created_by: string;
  created_at: string;
  released_by: string | null;
  released_at: string | null;
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
  oauth_connections: OAuthConnectionsTable;
  oauth_grants: OAuthGrantsTable;
  oauth_states: OAuthStatesTable;
  run_versions: RunVersionsTable;
  prompt_versions: PromptVersionsTable;
  prompt_labels: PromptLabelsTable;
  releases: ReleasesTable;
  release_eval_reports: ReleaseEvalReportsTable;
  release_activations: ReleaseActivationsTable;
  active_releases: ActiveReleasesTable;
  model_providers: ModelProvidersTable;
  model_settings: ModelSettingsTable;
  workspace_spend: WorkspaceSpendTable;
  model_calls: ModelCallsTable;
  alerts: AlertsTable;
  retention_settings: RetentionSettingsTable;
  legal_holds: LegalHoldsTable;
}
