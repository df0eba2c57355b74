import type { Store } from "@tollgate/store";
import type { ApprovalService } from "./approvals/service.js";
import type { AuditService } from "./audit/service.js";
import type { CallService } from "./calls/service.js";
import type { Clock } from "./clock.js";
import type { McpPool } from "./connectors/mcp/pool.js";
import type { ToolPins } from "./connectors/mcp/pins.js";
import type { RedactionService } from "./data/redaction.js";
import type { KeyService } from "./identity/keys.js";
import type { TenantService } from "./identity/tenants.js";
import type { Vault } from "./identity/vault.js";
import type { Breakers } from "./reliability/breakers.js";
import type { RateLimiter } from "./reliability/rate-limiter.js";
import type { RunService } from "./runs/service.js";
import type { WorkflowService } from "./workflows/service.js";

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
  /** upstream MCP connections and tool pins */
  mcp: { pool: McpPool; pins: ToolPins };
  reliability: { breakers: Breakers; rateLimiter: RateLimiter };
}
