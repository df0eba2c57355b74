import { createHmac } from "node:crypto";
import type { Store } from "@tollgate/store";
import type { FastifyInstance } from "fastify";
import { ApprovalLinks } from "./approvals/links.js";
import { ApprovalService } from "./approvals/service.js";
import { PolicySuggestions } from "./approvals/suggestions.js";
import { ApprovalTimeouts } from "./approvals/timeouts.js";
import { AuditDelivery, auditEventAlerts, type DeliveryOptions, defaultDeliveryOptions } from "./audit/delivery.js";
import { AuditService } from "./audit/service.js";
import { AuditSigner } from "./audit/signing.js";
import { SinkTransports } from "./audit/sinks/open.js";
import { SinkService } from "./audit/sinks/service.js";
import { Executor } from "./calls/execute.js";
import { recoverInterruptedCalls } from "./calls/recovery.js";
import { type CallLimits, CallService, defaultCallLimits } from "./calls/service.js";
import { type Clock, systemClock } from "./clock.js";
import { HttpConnector } from "./connectors/http.js";
import { McpConnector } from "./connectors/mcp/connector.js";
import { ToolPins } from "./connectors/mcp/pins.js";
import { McpPool } from "./connectors/mcp/pool.js";
import { RedactionService } from "./data/redaction.js";
import { LegalHoldService } from "./data/legal-holds.js";
import { RetentionService } from "./data/retention.js";
import { TenantDataService } from "./data/tenant-data.js";
import { CallEvents } from "./events.js";
import { buildHttpServer } from "./http/server.js";
import { JobRunner } from "./jobs/runner.js";
import { NotificationConfigService } from "./notifications/config.js";
import {
  defaultDeliveryOptions as defaultNotificationDelivery,
  type DeliveryOptions as NotificationDeliveryOptions,
  NotificationDelivery,
} from "./notifications/delivery.js";
import type { McpGatewayOptions } from "./mcp-gateway/gateway.js";
import { ConnectionService } from "./identity/connections.js";
import { KeyService } from "./identity/keys.js";
import { OAuthClient } from "./identity/oauth-client.js";
import { defaultPrivateNetworks, guardedAgent, Outbound, type PrivateNetworks } from "./identity/outbound.js";
import { TenantService } from "./identity/tenants.js";
import { Vault } from "./identity/vault.js";
import { type BreakerOptions, Breakers, defaultBreakerOptions } from "./reliability/breakers.js";
import { RateLimiter } from "./reliability/rate-limiter.js";
import { ReadinessService } from "./readiness/service.js";
import { RunService } from "./runs/service.js";
import { PromptService } from "./change-control/prompts.js";
import { ReleaseService } from "./change-control/releases.js";
import { ReplayService } from "./change-control/replay.js";
import { RunVersionResolver } from "./change-control/run-versions.js";
import type { Services } from "./services.js";
import { WorkflowService } from "./workflows/service.js";
import { Telemetry } from "./telemetry/calls.js";
import { Metrics } from "./telemetry/metrics.js";
import { Tracing } from "./telemetry/tracing.js";

import { AlertService } from "./alerts/service.js";
import { defaultWatchOptions, RunWatcher, type WatchOptions } from "./alerts/watch.js";
import { ModelConfigService } from "./models/config.js";
import { defaultModelProxyOptions, type ModelProxyOptions, ModelProxyService } from "./models/proxy.js";
import { ModelReports } from "./models/reports.js";

export interface TollgateOptions {
  store: Store;
  masterKey: Buffer;
  /** report the process's own metrics (CPU, memory, event loop, GC) on /metrics: once per process */
  processMetrics?: boolean;
  clock?: Clock;
  logger?: boolean | object;
  bodyLimit?: number;
  /** circuit breakers per system (defaults: 5 consecutive failures, half-open after 30 s) */
  breakers?: Partial<BreakerOptions>;
  /** rate-limit wait and per-workspace concurrency */
  limits?: Partial<CallLimits>;
  /** the MCP gateway: how long tools/call waits for an approval, progress cadence, idle sessions */
  mcp?: Partial<McpGatewayOptions>;
  /** outbound address checks for connectors and OAuth endpoints (TOLLGATE_ALLOW_PRIVATE_NETWORKS; default loopback) */
  allowPrivateNetworks?: PrivateNetworks;
  /** the SIEM delivery job: interval (0: no timer, call runOnce), backoff, alert thresholds, checkpoint cadence */
  auditDelivery?: Partial<DeliveryOptions>;
  /** approval timeouts and notification delivery run every this many ms (0: only `services.jobs.runOnce()`) */
  jobIntervalMs?: number;
  /** retries of approval notifications (webhook, chat) */
  notifications?: Partial<NotificationDeliveryOptions>;
  /** where this server is reached from outside, for chat links (default: its listening address) */
  publicUrl?: string;
  /** OTEL_EXPORTER_OTLP_* (traces) and TOLLGATE_METRICS_TOKEN are read from here (default: process.env) */
  env?: NodeJS.ProcessEnv;
  /** the model proxy: default output bound, provider timeout */
  models?: Partial<ModelProxyOptions>;
  /** alert thresholds: bursts, repeats, the runs that make a workflow's normal */
  alerts?: Partial<WatchOptions>;
  /** how long an API key read for authentication is reused (default 5 s; 0 reads it on every request) */
  keyCacheMs?: number;
  /** how long a workspace secret read for a call is reused (default 5 s; 0 reads it on every call) */
  secretCacheMs?: number;
  /** how long a workspace's model providers, prices and spend caps read for a call are reused (default 5 s) */
  modelConfigCacheMs?: number;
}

export interface Tollgate {
  services: Services;
  http: FastifyInstance;
  close(): Promise<void>;
  /** serve sets the listening address here when no publicUrl was given */
  setPublicUrl(url: string): void;
}

/** The composition root: builds every service once and hands them to the adapters. */
export async function createTollgate(opts: TollgateOptions): Promise<Tollgate> {
  const clock = opts.clock ?? systemClock;
  const store = opts.store;
  const vault = new Vault(store, opts.masterKey, opts.secretCacheMs);
  const outbound = new Outbound(opts.allowPrivateNetworks ?? defaultPrivateNetworks);
  const http = new HttpConnector(guardedAgent(outbound.setting, { keepAliveTimeout: 30_000, connections: 64 }));
  const events = new CallEvents();
  // no cap on connections: each session keeps its event stream open beside its requests
  const mcpAgent = guardedAgent(outbound.setting, { keepAliveTimeout: 30_000 });
  const mcpPool = new McpPool(outbound.fetchVia(mcpAgent));
  const pins = new ToolPins(store, mcpPool, clock);
  const workflows = new WorkflowService(store, clock, pins);
  const connections = new ConnectionService(store, vault, workflows, new OAuthClient(outbound), clock);
  const redaction = new RedactionService(
    vault,
    async (tenantId) =>
      createHmac("sha256", await vault.tenantKey(tenantId))
        .update("redaction")
        .digest(),
    (tenantId, workspaceId) => connections.tokenValues(tenantId, workspaceId),
  );
  const rateLimiter = new RateLimiter(clock);
  const breakers = new Breakers({ ...defaultBreakerOptions, ...opts.breakers });
  const executor = new Executor(
    vault,
    { http, mcp: new McpConnector(mcpPool) },
    breakers,
    rateLimiter,
    clock,
    connections,
  );
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
  const env = opts.env ?? process.env;
  const telemetry = new Telemetry(new Metrics(store, clock), Tracing.fromEnv(env));
  calls.telemetry = telemetry;
  if (opts.processMetrics) telemetry.metrics.collectProcessMetrics();
  const walRestartHeld = (ms: number) => telemetry.metrics.walRestartHeld(ms);
  store.diagnostics.on("walRestart", walRestartHeld);
  const signer = new AuditSigner(store, vault, clock);
  const sinkTransports = new SinkTransports(vault, clock, outbound);
  let publicUrl = opts.publicUrl ?? "http://127.0.0.1:8787";
  const approvalTimeouts = new ApprovalTimeouts(store, clock, (callId) => events.notify(callId));
  const approvalLinks = new ApprovalLinks(store, vault, clock, () => services.approvals);
  const retention = new RetentionService(store, workflows, signer, clock);
  const notificationDelivery = new NotificationDelivery(
    store,
    vault,
    clock,
    approvalLinks,
    () => publicUrl,
    outbound.agent,
    {
      ...defaultNotificationDelivery,
      ...opts.notifications,
    },
  );
  const jobs = new JobRunner(
    [
      { name: "approval-timeouts", runOnce: () => approvalTimeouts.runOnce() },
      { name: "notifications", runOnce: () => notificationDelivery.runOnce() },
      { name: "retention", runOnce: () => retention.runDue() },
    ],
    (job, e) => app.log.error({ err: e, job }, "background job failed"),
  );
  const prompts = new PromptService(store, clock);
  const modelAgent = guardedAgent(outbound.setting, { keepAliveTimeout: 30_000, connections: 128 });
  const alerts = new AlertService(store, notificationDelivery, clock, (msg, e) => app.log.error({ err: e }, msg));
  calls.raiseFloodAlert = (a) => alerts.raiseQuietly({ ...a, kind: "approvals_flooded", severity: "critical" });
  calls.onUnknownOutcome((u) =>
    alerts.raiseQuietly({
      tenantId: u.tenantId,
      workspaceId: u.workspaceId,
      runId: u.runId,
      kind: "outcome_unknown",
      severity: "critical",
      message: `${u.tool} may or may not have run (call ${u.callId}): ${u.message}. Check the system before retrying.`,
      data: { callId: u.callId, tool: u.tool },
      dedupeKey: `outcome_unknown:${u.callId}`,
    }),
  );
  const watcher = new RunWatcher(store, workflows, alerts, clock, (msg, e) => app.log.error({ err: e }, msg), {
    ...defaultWatchOptions,
    ...opts.alerts,
  });
  calls.onOutcome(watcher.onToolCall);
  calls.onRunEnded(watcher.onRunEnded);
  const modelConfig = new ModelConfigService(store, vault, clock, opts.modelConfigCacheMs);
  const services: Services = {
    store,
    clock,
    vault,
    keys: new KeyService(store, clock, opts.keyCacheMs),
    tenants: new TenantService(store, vault, clock),
    workflows,
    redaction,
    calls,
    approvals: undefined as unknown as ApprovalService,
    runs: new RunService(store, workflows, calls, clock, opts.limits?.runningRunsPerWorkspace),
    audit: new AuditService(store, signer, clock),
    readiness: undefined as unknown as ReadinessService,
    mcp: { pool: mcpPool, pins },
    connections,
    reliability: { breakers, rateLimiter },
    auditExport: {
      sinks: new SinkService(store, vault, clock, sinkTransports),
      signer,
      delivery: undefined as unknown as AuditDelivery,
    },
    telemetry,
    approvalLinks,
    notifications: new NotificationConfigService(store, vault, clock),
    policySuggestions: new PolicySuggestions(store),
    jobs,
    prompts,
    releases: new ReleaseService(store, prompts, clock),
    replay: new ReplayService(store, clock),
    models: {
      config: modelConfig,
      proxy: new ModelProxyService(store, workflows, calls, redaction, modelConfig, watcher, clock, modelAgent, {
        ...defaultModelProxyOptions,
        ...opts.models,
      }),
      reports: new ModelReports(store, workflows, clock),
      watcher,
    },
    alerts,
    retention,
    legalHolds: new LegalHoldService(store, clock),
    tenantData: new TenantDataService(
      store,
      vault,
      signer,
      (keyId) => services.keys.keyChanged(keyId),
      (tenantId) => modelConfig.forget(tenantId),
    ),
  };
  services.readiness = new ReadinessService(store, workflows, services.audit, services.auditExport.sinks, clock);
  services.runs.telemetry = telemetry;
  services.runs.versions = new RunVersionResolver(store, prompts);
  const app = buildHttpServer(services, {
    logger: opts.logger ?? false,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    ...(opts.mcp ? { mcp: opts.mcp } : {}),
    ...(env.TOLLGATE_METRICS_TOKEN ? { metricsToken: env.TOLLGATE_METRICS_TOKEN } : {}),
  });
  services.approvals = new ApprovalService(store, workflows, calls, vault, clock, approvalTimeouts, (e) =>
    app.log.error({ err: e }, "running an approved call failed"),
  );
  await recoverInterruptedCalls(services, app.log);
  await services.models.proxy.recoverInterrupted();
  jobs.start(opts.jobIntervalMs ?? 1000);
  // sink alerts are raised through the alerts service (stored, listed, sent to the webhook); resolved as audit events
  const sinkAlerts = auditEventAlerts(store, clock);
  sinkAlerts.raise = async (tenantId, workspaceId, sink, message, details) => {
    await alerts.raise({
      tenantId,
      workspaceId,
      kind: "audit_sink",
      severity: "critical",
      message,
      data: { subject: sink, ...details },
    });
  };
  services.auditExport.delivery = new AuditDelivery(
    store,
    sinkTransports,
    signer,
    clock,
    telemetry.metrics,
    sinkAlerts,
    app.log,
    {
      ...defaultDeliveryOptions,
      ...opts.auditDelivery,
    },
  );
  services.auditExport.delivery.start();
  const stopCallEvents = await events.connect(store.notifications, (e) =>
    app.log.warn({ err: e }, "could not tell other replicas about a call"),
  );
  const stopKeyChanges = await services.keys.connect(store.notifications, (e) =>
    app.log.warn({ err: e }, "could not tell other replicas that a key changed"),
  );
  const stopSecretChanges = await vault.connect(store.notifications, (e) =>
    app.log.warn({ err: e }, "could not tell other replicas that a secret changed"),
  );
  const stopModelConfigChanges = await services.models.config.connect(store.notifications, (e) =>
    app.log.warn({ err: e }, "could not tell other replicas that a model provider, price or spend cap changed"),
  );
  return {
    services,
    http: app,
    setPublicUrl(url) {
      if (!opts.publicUrl) publicUrl = url;
    },
    async close() {
      store.diagnostics.off("walRestart", walRestartHeld);
      await stopCallEvents();
      await stopKeyChanges();
      await stopSecretChanges();
      await stopModelConfigChanges();
      await jobs.stop();
      await services.auditExport.delivery.stop();
      await app.close();
      await telemetry.tracing.shutdown();
      await watcher.idle();
      await http.close();
      await modelAgent.close();
      await mcpPool.close();
      await mcpAgent.close();
      await outbound.close();
    },
  };
}
