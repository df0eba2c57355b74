import { once } from "node:events";
import { type ErrorCode, TollgateError } from "@tollgate/core";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { dataFlowsMarkdown } from "../../models/reports.js";
import type { ModelApi } from "../../models/wire.js";
import type { Services } from "../../services.js";
import { checkJsonShape, parseInput } from "../input.js";
import { problemHandler } from "../problem.js";

const model = z.string().min(1).max(200);
const tokens = z.number().int().min(1).max(10_000_000);
const message = z.looseObject({ role: z.string().min(1).max(50) });
const openaiBody = z.looseObject({
  model,
  messages: z.array(message).min(1).max(10_000),
  stream: z.boolean().optional(),
  max_tokens: tokens.optional(),
  max_completion_tokens: tokens.optional(),
});
const anthropicBody = z.looseObject({
  model,
  messages: z.array(message).min(1).max(10_000),
  system: z.union([z.string(), z.array(z.unknown())]).optional(),
  stream: z.boolean().optional(),
  max_tokens: tokens,
});

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be 1-63 lowercase letters, digits or dashes");
const provider = z
  .object({
    kind: z.enum(["openai", "anthropic"]),
    baseUrl: z.url({ protocol: /^https?$/, error: "must be an absolute http:// or https:// URL" }),
    apiKeySecret: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/, "must name a workspace secret (letters, digits, dots, dashes, underscores)"),
    models: z.array(model).min(1).max(200),
  })
  .strict();
const usd = z.number().min(0).max(1_000_000);
const prices = z
  .object({
    prices: z.record(model, z.object({ inputPerMTok: usd, outputPerMTok: usd }).strict()),
  })
  .strict();
const spendCaps = z
  .object({ dailyUsd: usd.positive().nullable().optional(), monthlyUsd: usd.positive().nullable().optional() })
  .strict();
const isoTime = z.iso.datetime({ offset: true, error: "must be an ISO-8601 time, e.g. 2026-01-31T00:00:00Z" });
const usageQuery = z
  .object({
    workspace: z.string().min(1),
    from: isoTime.optional(),
    to: isoTime.optional(),
    groupBy: z.enum(["day", "workflow", "model", "agent"]).default("day"),
  })
  .strict();
const alertsQuery = z
  .object({
    workspace: z.string().min(1),
    acknowledged: z.enum(["true", "false"]).optional(),
    kind: z.string().max(64).optional(),
    run: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
const formatQuery = z.object({ format: z.enum(["json", "markdown"]).default("json") }).strict();

/** The model proxy (OpenAI- and Anthropic-shaped), providers, prices, spend caps, usage, data flows and alerts. */
export function modelRoutes(app: FastifyInstance, s: Services): void {
  const proxy = (api: ModelApi) => async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    checkJsonShape(req.body);
    const body = parseInput(api === "openai" ? openaiBody : anthropicBody, req.body) as Record<string, unknown>;
    const closed = new AbortController();
    // the client left before its answer was written (aborting after a finished answer costs)
    reply.raw.once("close", () => {
      if (!reply.raw.writableEnded) closed.abort();
    });
    const answer = await s.models.proxy.call(req.principal, req.params.id, api, body, req.headers, closed.signal);
    if (typeof answer.body === "string") {
      reply.status(answer.status).headers(answer.headers);
      return reply.send(answer.body);
    }
    // A stream passes through chunk by chunk; the generator settles the call however the loop ends.
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(answer.status, { ...answer.headers, "cache-control": "no-cache", connection: "keep-alive" });
    try {
      for await (const chunk of answer.body) {
        if (raw.destroyed) break;
        if (!raw.write(chunk)) await Promise.race([once(raw, "drain"), once(raw, "close")]);
      }
    } catch (e) {
      req.log.warn({ err: e }, "model stream ended early");
    } finally {
      raw.end();
    }
  };
  app.post<{ Params: { id: string } }>(
    "/v1/runs/:id/openai/chat/completions",
    { errorHandler: providerShaped("openai") },
    proxy("openai"),
  );
  app.post<{ Params: { id: string } }>(
    "/v1/runs/:id/anthropic/v1/messages",
    { errorHandler: providerShaped("anthropic") },
    proxy("anthropic"),
  );

  app.put<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/providers/:name", async (req) =>
    s.models.config.putProvider(
      req.principal,
      req.params.ws,
      parseInput(name, req.params.name, "name"),
      parseInput(provider, req.body),
    ),
  );
  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/providers", async (req) =>
    s.models.config.listProviders(req.principal, req.params.ws),
  );
  app.delete<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/providers/:name", async (req, reply) => {
    await s.models.config.deleteProvider(req.principal, req.params.ws, req.params.name);
    reply.status(204);
  });
  app.put<{ Params: { ws: string } }>("/v1/workspaces/:ws/prices", async (req) =>
    s.models.config.putPrices(req.principal, req.params.ws, parseInput(prices, req.body).prices),
  );
  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/prices", async (req) =>
    s.models.config.prices(req.principal, req.params.ws),
  );
  app.put<{ Params: { ws: string } }>("/v1/workspaces/:ws/spend-caps", async (req) => {
    const body = parseInput(spendCaps, req.body);
    return s.models.config.putSpendCaps(req.principal, req.params.ws, {
      dailyUsd: body.dailyUsd ?? null,
      monthlyUsd: body.monthlyUsd ?? null,
    });
  });
  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/spend-caps", async (req) =>
    s.models.config.spendCaps(req.principal, req.params.ws),
  );

  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/data-flows", async (req, reply) => {
    const { format } = parseInput(formatQuery, req.query, "query");
    const register = await s.models.reports.dataFlows(req.principal, req.params.ws);
    if (format === "json") return register;
    reply.type("text/markdown; charset=utf-8");
    return dataFlowsMarkdown(register);
  });
  app.get("/v1/usage", async (req) => {
    const q = parseInput(usageQuery, req.query, "query");
    return s.models.reports.usage(req.principal, q);
  });

  app.get("/v1/alerts", async (req) => {
    const q = parseInput(alertsQuery, req.query, "query");
    return s.alerts.list(req.principal, q.workspace, {
      ...(q.acknowledged ? { acknowledged: q.acknowledged === "true" } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.run ? { runId: q.run } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
  });
  app.post<{ Params: { id: string } }>("/v1/alerts/:id/ack", async (req) =>
    s.alerts.acknowledge(req.principal, req.params.id),
  );
}

/** An `x-api-key` header as the bearer authorization the key service reads. */
export function bearerOf(apiKey: string | string[] | undefined): string | undefined {
  return typeof apiKey === "string" && apiKey.length > 0 ? `Bearer ${apiKey}` : undefined;
}

/**
 * Errors on the proxy routes are problem+json with Tollgate's stable `code`, and also carry the
 * provider's own error member, so the provider's client libraries show the reason.
 */
function providerShaped(api: ModelApi) {
  return (error: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (!(error instanceof TollgateError)) return problemHandler(error, req, reply);
    const type = providerErrorType(api, error.code);
    const member =
      api === "openai"
        ? { error: { message: error.message, type, code: error.code, param: null } }
        : { type: "error", error: { type, message: error.message } };
    return problemHandler(new TollgateError(error.code, error.message, { ...error.extra, ...member }), req, reply);
  };
}

function providerErrorType(api: ModelApi, code: ErrorCode): string {
  const status = new TollgateError(code, "").status;
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return api === "openai" ? "insufficient_quota" : "rate_limit_error";
  if (status >= 500) return api === "openai" ? "server_error" : "api_error";
  return "invalid_request_error";
}
