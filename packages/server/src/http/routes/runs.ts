import { scriptedResponsesSchema, TollgateError } from "@tollgate/core";
import { z } from "zod";
import type { FastifyInstance } from "fastify";
import type { Services } from "../../services.js";
import { abortOnClose } from "../abort-on-close.js";
import { checkJsonShape, parseInput } from "../input.js";
import { runView } from "../../runs/view.js";

const startRun = z
  .object({
    workspace: z.string().min(1),
    workflow: z.string().min(1),
    agent: z.string().max(200).optional(),
    actingAs: z
      .union([
        z.string().min(1).max(210),
        z.object({ kind: z.enum(["user", "service"]), id: z.string().min(1).max(200).optional() }).strict(),
      ])
      .optional(),
    labels: z.record(z.string(), z.string().max(200)).optional(),
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .optional(),
    versions: z
      .object({
        workflow: z.string().min(1).max(80).optional(),
        prompts: z.record(z.string().min(1).max(128), z.string().min(1).max(80)).optional(),
        model: z.string().min(1).max(200).optional(),
      })
      .strict()
      .optional(),
    release: z.string().min(1).max(64).optional(),
    simulation: z.object({ responses: scriptedResponsesSchema }).strict().optional(),
  })
  .strict();
const finishRun = z
  .object({ status: z.enum(["succeeded", "failed", "cancelled"]), output: z.unknown().optional() })
  .strict();
const toolCall = z
  .object({
    tool: z.string().min(1).max(200),
    args: z.record(z.string(), z.unknown()).default({}),
    idempotencyKey: z.string().min(1).max(200).optional(),
    wait: z.number().min(0).max(60).optional(),
  })
  .strict();
const listRuns = z.object({
  workspace: z.string(),
  workflow: z.string().optional(),
  status: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  workflowVersion: z.string().optional(),
  promptVersion: z.string().optional(),
  model: z.string().optional(),
  release: z.string().optional(),
});
const waitQuery = z.object({ wait: z.coerce.number().min(0).max(60).optional() });

/** Runs, their tool calls and timelines. */
export function runRoutes(app: FastifyInstance, s: Services): void {
  app.post("/v1/runs", async (req, reply) => {
    const body = parseInput(startRun, req.body);
    const traceId = body.traceId ?? traceIdFrom(req.headers.traceparent);
    reply.status(201);
    return s.runs.start(req.principal, { ...body, ...(traceId ? { traceId } : {}) });
  });

  app.get("/v1/runs", async (req) => {
    const q = parseInput(listRuns, req.query, "query");
    return s.runs.list(req.principal, q.workspace, {
      ...(q.workflow ? { workflow: q.workflow } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
      ...versionFilter(q),
    });
  });

  app.get<{ Params: { id: string } }>("/v1/runs/:id/calls", async (req) =>
    s.runs.recordedCalls(req.principal, req.params.id),
  );

  app.get<{ Params: { id: string } }>("/v1/runs/:id", async (req) =>
    runView(await s.runs.get(req.principal, req.params.id)),
  );

  app.get<{ Params: { id: string } }>("/v1/runs/:id/timeline", async (req) =>
    s.runs.timeline(req.principal, req.params.id),
  );

  app.post<{ Params: { id: string } }>("/v1/runs/:id/finish", async (req) => {
    const body = parseInput(finishRun, req.body);
    return s.runs.finish(req.principal, req.params.id, body.status, body.output ?? null);
  });

  app.post<{ Params: { id: string } }>("/v1/runs/:id/tool-calls", async (req, reply) => {
    checkJsonShape(req.body);
    const body = parseInput(toolCall, req.body);
    const traceparent = typeof req.headers.traceparent === "string" ? req.headers.traceparent : undefined;
    const answer = await s.calls.call(
      req.principal,
      req.params.id,
      { ...body, ...(traceparent ? { traceparent } : {}) },
      body.wait ? abortOnClose(reply.raw) : undefined,
    );
    reply.status(answer.httpStatus);
    return answer.body;
  });

  app.get<{ Params: { id: string } }>("/v1/tool-calls/:id", async (req, reply) => {
    const q = parseInput(waitQuery, req.query, "query");
    return s.calls.get(req.principal, req.params.id, q.wait ?? 0, q.wait ? abortOnClose(reply.raw) : undefined);
  });
}

/** `?promptVersion=` (or workflowVersion, model, release): the runs that ran with it. One at a time. */
function versionFilter(q: z.infer<typeof listRuns>): { version?: { kind: string; version: string } } {
  const given = (
    [
      ["workflow", q.workflowVersion],
      ["prompt", q.promptVersion],
      ["model", q.model],
      ["release", q.release],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (given.length > 1)
    throw new TollgateError(
      "invalid_request",
      "filter by one of workflowVersion, promptVersion, model, release at a time",
    );
  const [kind, version] = given[0] ?? [];
  return kind && version ? { version: { kind, version } } : {};
}

function traceIdFrom(traceparent: string | string[] | undefined): string | undefined {
  const m = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(String(traceparent ?? ""));
  return m && m[1] !== "0".repeat(32) ? m[1] : undefined;
}
