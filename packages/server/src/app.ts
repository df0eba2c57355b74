import { createHmac } from "node:crypto";
import type { Store } from "@tollgate/store";
import type { FastifyInstance } from "fastify";
import { ApprovalService } from "./approvals/service.js";
import { AuditService } from "./audit/service.js";
import { Executor } from "./calls/execute.js";
import { recoverInterruptedCalls } from "./calls/recovery.js";
import { type CallLimits, CallService, defaultCallLimits } from "./calls/service.js";
import { type Clock, systemClock } from "./clock.js";
import { HttpConnector } from "./connectors/http.js";
import { McpConnector } from "./connectors/mcp/connector.js";
import { ToolPins } from "./connectors/mcp/pins.js";
import { McpPool } from "./connectors/mcp/pool.js";
import { RedactionService } from "./data/redaction.js";
import { CallEvents } from "./events.js";
import { buildHttpServer } from "./http/server.js";
import type { McpGatewayOptions } from "./mcp-gateway/gateway.js";
import { KeyService } from "./identity/keys.js";
import { TenantService } from "./identity/tenants.js";
import { Vault } from "./identity/vault.js";
import { type BreakerOptions, Breakers, defaultBreakerOptions } from "./reliability/breakers.js";
import { RateLimiter } from "./reliability/rate-limiter.js";
import { RunService } from "./runs/service.js";
import type { Services } from "./services.js";
import { WorkflowService } from "./workflows/service.js";

export interface TollgateOptions {
  store: Store;
  masterKey: Buffer;
  clock?: Clock;
  logger?: boolean | object;
  bodyLimit?: number;
  /** circuit breakers per system (defaults: 5 consecutive failures, half-open after 30 s) */
  breakers?: Partial<BreakerOptions>;
  /** rate-limit wait and per-workspace concurrency */
  limits?: Partial<CallLimits>;
  /** the MCP gateway: how long tools/call waits for an approval, progress cadence, idle sessions */
  mcp?: Partial<McpGatewayOptions>;
}

export interface Tollgate {
  services: Services;
  http: FastifyInstance;
  close(): Promise<void>;
}

/** The composition root: builds every service once and hands them to the adapters. */
export async function createTollgate(opts: TollgateOptions): Promise<Tollgate> {
  const clock = opts.clock ?? systemClock;
  const store = opts.store;
  const vault = new Vault(store, opts.masterKey);
  const http = new HttpConnector();
  const events = new CallEvents();
  const mcpPool = new McpPool();
  const pins = new ToolPins(store, mcpPool, clock);
  const workflows = new WorkflowService(store, clock, pins);
  const redaction = new RedactionService(vault, async (tenantId) =>
    createHmac("sha256", await vault.tenantKey(tenantId))
      .update("redaction")
      .digest(),
  );
  const rateLimiter = new RateLimiter(clock);
  const breakers = new Breakers({ ...defaultBreakerOptions, ...opts.breakers });
  const executor = new Executor(vault, { http, mcp: new McpConnector(mcpPool) }, breakers, rateLimiter, clock);
  const calls = new CallService(
    store,
    workflows,
    redaction,
    vault,
    executor,
    events,
    clock,
    rateLimiter,
    {
      ...defaultCallLimits,
      ...opts.limits,
    },
    pins,
  );
  const services: Services = {
    store,
    clock,
    vault,
    keys: new KeyService(store, clock),
    tenants: new TenantService(store, vault, clock),
    workflows,
    redaction,
    calls,
    approvals: undefined as unknown as ApprovalService,
    runs: new RunService(store, workflows, calls, clock),
    audit: new AuditService(store),
    mcp: { pool: mcpPool, pins },
    reliability: { breakers, rateLimiter },
  };
  const app = buildHttpServer(services, {
    logger: opts.logger ?? false,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    ...(opts.mcp ? { mcp: opts.mcp } : {}),
  });
  services.approvals = new ApprovalService(store, workflows, calls, vault, clock, (e) =>
    app.log.error({ err: e }, "running an approved call failed"),
  );
  await recoverInterruptedCalls(services, app.log);
  return {
    services,
    http: app,
    async close() {
      await app.close();
      await http.close();
      await mcpPool.close();
    },
  };
}
