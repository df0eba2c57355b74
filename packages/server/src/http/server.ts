import Fastify, { type FastifyInstance } from "fastify";
import type { Principal } from "../identity/principal.js";
import type { Services } from "../services.js";
import { defaultMcpGatewayOptions, McpGateway, type McpGatewayOptions } from "../mcp-gateway/gateway.js";
import { problemHandler } from "./problem.js";
import { adminRoutes } from "./routes/admin.js";
import { approvalLinkRoutes } from "./routes/approval-links.js";
import { approvalRoutes } from "./routes/approvals.js";
import { notificationRoutes } from "./routes/notifications.js";
import { policyRoutes } from "./routes/policy.js";
import { auditRoutes } from "./routes/audit.js";
import { changeControlRoutes } from "./routes/change-control.js";
import { mcpRoutes } from "./routes/mcp.js";
import { bearerOf, modelRoutes } from "./routes/models.js";
import { metricsRoutes } from "./routes/metrics.js";
import { runRoutes } from "./routes/runs.js";
import { sinkRoutes } from "./routes/sinks.js";
import { toolRoutes } from "./routes/tools.js";
import { systemRoutes } from "./routes/systems.js";
import { connectionRoutes, oauthCallbackRoute } from "./routes/connections.js";
import { dataRoutes } from "./routes/data.js";
import { readinessRoutes } from "./routes/readiness.js";
import { redactingLogger } from "../data/log-redaction.js";
import { workflowRoutes } from "./routes/workflows.js";
import { webUiRoutes } from "./web-ui.js";
import { workspaceVisible } from "../identity/access.js";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyInstance {
    /** every route registered (method and URL pattern) */
    tollgateRoutes: { method: string; url: string }[];
  }
}

export interface HttpOptions {
  logger: boolean | object;
  bodyLimit?: number;
  /** the MCP gateway's approval wait and session bounds */
  mcp?: Partial<McpGatewayOptions>;
  /** when set, GET /metrics wants it as a bearer token */
  metricsToken?: string;
  /** the built web UI (default packages/web/dist) */
  webRoot?: string;
}

const yamlTypes = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"];

/** The HTTP adapter: authentication, the error map, and route declarations. */
export function buildHttpServer(s: Services, opts: HttpOptions): FastifyInstance {
  const app = Fastify({
    // every log line through the redaction engine (data/log-redaction.ts)
    logger: redactingLogger(opts.logger, () => s.redaction.forLogs()),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
  });
  app.addContentTypeParser(yamlTypes, { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.decorateRequest("principal", null as unknown as Principal);
  // every route, so the tenant-isolation suite can prove it covers each one
  const routes: { method: string; url: string }[] = [];
  app.decorate("tollgateRoutes", routes);
  app.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) if (method !== "HEAD") routes.push({ method, url: r.url });
  });
  app.setErrorHandler(problemHandler);
  app.setNotFoundHandler((req, reply) =>
    problemHandler(
      Object.assign(new Error(`no route ${req.method} ${req.url.split("?")[0]}`), { statusCode: 404 }),
      req,
      reply,
    ),
  );

  app.get("/healthz", async () => ({ status: "ok" }));
  oauthCallbackRoute(app, s);
  metricsRoutes(app, s, opts.metricsToken);
  mcpRoutes(app, s, new McpGateway(s, { ...defaultMcpGatewayOptions, ...opts.mcp }));
  approvalLinkRoutes(app, s);
  webUiRoutes(app, opts.webRoot);

  app.register(async (v1) => {
    v1.addHook("onRequest", async (req) => {
      // Anthropic's clients send their key as x-api-key (the model proxy's Anthropic route)
      req.principal = await s.keys.authenticate(req.headers.authorization ?? bearerOf(req.headers["x-api-key"]));
      // A workspace in the path must be the caller's before any route looks at roles or bodies:
      // another tenant's (or another workspace's) id answers 404 on every route alike.
      const ws = (req.params as { ws?: string } | undefined)?.ws;
      if (ws !== undefined) await workspaceVisible(s.store, req.principal, ws);
    });
    adminRoutes(v1, s);
    workflowRoutes(v1, s);
    runRoutes(v1, s);
    toolRoutes(v1, s);
    approvalRoutes(v1, s);
    notificationRoutes(v1, s);
    policyRoutes(v1, s);
    auditRoutes(v1, s);
    changeControlRoutes(v1, s);
    sinkRoutes(v1, s);
    systemRoutes(v1, s);
    connectionRoutes(v1, s);
    modelRoutes(v1, s);
    dataRoutes(v1, s);
    readinessRoutes(v1, s);
  });
  return app;
}
