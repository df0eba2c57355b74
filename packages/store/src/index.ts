export * from "./schema.js";
export * from "./records.js";
export * from "./store.js";
export * from "./open.js";
export type { NewApiKey } from "./repos/keys.js";
export type { NewRun, RunFilter } from "./repos/runs.js";
export type { NewToolCall, ToolCallUpdate } from "./repos/tool-calls.js";
export type { NewApproval, ApprovalDecision, ApprovalHistoryRow } from "./repos/approvals.js";
export type { NotificationChannelRecord, OutboxRecord, OutboxStatus } from "./repos/notifications.js";
export type { AuditQuery } from "./repos/audit.js";
export { HeadHints } from "./repos/audit.js";
export type {
  BlanketAcceptance,
  OAuthConnectionRecord,
  OAuthEndpoints,
  OAuthGrantRecord,
  OAuthGrantStatus,
  OAuthStateRecord,
} from "./repos/oauth.js";
export type { AuditSinkRecord, SinkDefinition } from "./repos/audit-sinks.js";
export type { AuditSigningKeyRecord } from "./repos/audit-signing.js";
export type {
  ModelPrice,
  ModelProviderRecord,
  ModelSettingsRecord,
  ProviderKind,
} from "./repos/model-config.js";
export type {
  DataFlowRow,
  ModelCallOutcome,
  ModelCallRecord,
  ModelCallStatus,
  NewModelCall,
} from "./repos/model-calls.js";
export type { AlertDelivery, AlertFilter, AlertRecord, AlertSeverity, NewAlert } from "./repos/alerts.js";
export type { ApprovalUsageRow, ModelUsageRow, ToolUsageRow, UsageGroupBy, UsageQuery } from "./repos/usage.js";
export type {
  LegalHoldRecord,
  PayloadPurgeCounts,
  RetentionSettingsRecord,
  RunPurgeCounts,
} from "./repos/retention.js";
export { purgedMarker } from "./repos/retention.js";
export { tenantTables } from "./repos/tenant-data.js";
export type { Notifications } from "./dialect/notifications.js";
