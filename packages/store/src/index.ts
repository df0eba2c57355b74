export * from "./schema.js";
export * from "./records.js";
export * from "./store.js";
export * from "./open.js";
export type { NewApiKey } from "./repos/keys.js";
export type { NewRun, RunFilter } from "./repos/runs.js";
export type { NewToolCall, ToolCallUpdate } from "./repos/tool-calls.js";
export type { NewApproval, ApprovalDecision } from "./repos/approvals.js";
export type { AuditQuery } from "./repos/audit.js";
