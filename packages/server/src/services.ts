import type { Store } from "@tollgate/store";
import type { AlertService } from "./alerts/service.js";
import type { RunWatcher } from "./alerts/watch.js";
import type { ApprovalLinks } from "./approvals/links.js";
import type { ApprovalService } from "./approvals/service.js";
import type { PolicySuggestions } from "./approvals/suggestions.js";
import type { AuditDelivery } from "./audit/delivery.js";
import type { AuditService } from "./audit/service.js";
import type { AuditSigner } from "./audit/signing.js";
import type { SinkService } from "./audit/sinks/service.js";
import type { CallService } from "./calls/service.js";
import type { PromptService } from "./change-control/prompts.js";
import type { ReleaseService } from "./change-control/releases.js";
import type { ReplayService } from "./change-control/replay.js";
import type { Clock } from "./clock.js";
import type { McpPool } from "./connectors/mcp/pool.js";
import type { ToolPins } from "./connectors/mcp/pins.js";
import type { RedactionService } from "./data/redaction.js";
import type { LegalHoldService } from "./data/legal-holds.js";
import type { RetentionService } from "./data/retention.js";
import type { TenantDataService } from "./data/tenant-data.js";
import type { ConnectionService } from "./identity/connections.js";
import type { KeyService } from "./identity/keys.js";
import type { JobRunner } from "./jobs/runner.js";
import type { ModelConfigService } from "./models/config.js";
import type { ModelProxyService } from "./models/proxy.js";
import type { ModelReports } from "./models/reports.js";
import type { NotificationConfigService } from "./notifications/config.js";
import type { TenantService } from "./identity/tenants.js";
import type { Vault } from "./identity/vault.js";
import type { Breakers } from "./reliability/breakers.js";
import type { RateLimiter } from "./reliability/rate-limiter.js";
import type { ReadinessService } from "./readiness/service.js";
import type { RunService } from "./runs/service.js";
import type { WorkflowService } from "./workflows/service.js";
import type { Telemetry } from "./telemetry/calls.js";

/** Everything the adapters (HTTP routes, CLI in-process, jobs) call. */
export interface Services {
  store: Store;
  clock: Clock;
  vault: Vault;
  keys: KeyService;
  tenants: TenantService;
  workflows: WorkflowService;
  redaction: RedactionService;
  calls: CallService;
  approvals: ApprovalService;
  runs: RunService;
  audit: AuditService;
  /** the readiness report for security reviewers: each workflow and the record, checked */
  readiness: ReadinessService;
  /** change control (issue 11): prompt versions and labels, releases and their gate, policy replay */
  prompts: PromptService;
  releases: ReleaseService;
  replay: ReplayService;
  /** upstream MCP connections and tool pins */
  mcp: { pool: McpPool; pins: ToolPins };
  /** OAuth connections and their tokens (identity/connections.ts) */
  connections: ConnectionService;
  reliability: { breakers: Breakers; rateLimiter: RateLimiter };
  /** SIEM sinks, the delivery job, signed checkpoints */
  auditExport: { sinks: SinkService; signer: AuditSigner; delivery: AuditDelivery };
  /** metrics (`/metrics`) and OpenTelemetry traces */
  telemetry: Telemetry;
  /** signed single-use approve/deny links of chat messages */
  approvalLinks: ApprovalLinks;
  /** per-workspace approval notification channels */
  notifications: NotificationConfigService;
  /** relax with evidence: suggestions from the approval record */
  policySuggestions: PolicySuggestions;
  /** background jobs (approval timeouts, notification delivery); tests call jobs.runOnce() */
  jobs: JobRunner;
  /** the model proxy (issue 5): providers, prices and caps; the governed model call; usage and data flows; the run watcher */
  models: { config: ModelConfigService; proxy: ModelProxyService; reports: ModelReports; watcher: RunWatcher };
  /** alerts any feature raises (`alerts.raise`), stored, listed, acknowledged, sent to the workspace webhook */
  alerts: AlertService;
  /** data handling (issue 10): retention windows and the purge job, legal holds, tenant export and deletion */
  retention: RetentionService;
  legalHolds: LegalHoldService;
  tenantData: TenantDataService;
}
