import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Services } from "../../services.js";
import { checkJsonShape, parseInput } from "../input.js";

const name = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, _ . -");
const label = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, "lowercase letters, digits, _ -");
const putPrompt = z
  .object({ template: z.string().min(1).max(200_000), labels: z.array(label).max(20).optional() })
  .strict();
const moveLabel = z.object({ label, version: z.string().min(1).max(80) }).strict();
const promptQuery = z.object({ version: z.string().optional(), label: label.optional() }).strict();
const newRelease = z
  .object({
    workflow: name,
    workflowVersion: z.string().min(1).max(80).optional(),
    prompts: z.record(name, z.string().min(1).max(80)).optional(),
    model: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
  })
  .strict();
const activate = z
  .object({
    override: z
      .object({ reason: z.string().trim().min(10, "give a reason of at least 10 characters") })
      .strict()
      .optional(),
  })
  .strict();
const rollback = z.object({ workflow: name }).strict();
const evalReport = z
  .object({
    suite: z.string().min(1).max(1_000_000),
    report: z
      .object({
        suite: z.string(),
        workflow: z.string(),
        cases: z.array(z.object({ name: z.string(), runId: z.string() }).passthrough()).min(1),
      })
      .passthrough(),
  })
  .strict();
const replay = z
  .object({
    candidate: z.string().min(1).max(1_000_000),
    since: z.string().max(16).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

type WsName = { Params: { ws: string; name: string } };
type WsId = { Params: { ws: string; id: string } };

/** Change control (issue 11): prompts and labels, releases and their gate, policy replay. */
export function changeControlRoutes(app: FastifyInstance, s: Services): void {
  app.put<WsName>("/v1/workspaces/:ws/prompts/:name", async (req, reply) => {
    const body = parseInput(putPrompt, req.body);
    const r = await s.prompts.put(req.principal, req.params.ws, parseInput(name, req.params.name, "name"), body);
    reply.status(r.created ? 201 : 200);
    return r;
  });
  app.get<WsName>("/v1/workspaces/:ws/prompts/:name", async (req) => {
    const q = parseInput(promptQuery, req.query, "query");
    return s.prompts.get(req.principal, req.params.ws, req.params.name, q.version ?? q.label);
  });
  app.get<WsName>("/v1/workspaces/:ws/prompts/:name/versions", async (req) =>
    s.prompts.history(req.principal, req.params.ws, req.params.name),
  );
  app.post<WsName>("/v1/workspaces/:ws/prompts/:name/labels", async (req) => {
    const body = parseInput(moveLabel, req.body);
    return s.prompts.setLabel(req.principal, req.params.ws, req.params.name, body.label, body.version);
  });

  app.post<{ Params: { ws: string } }>("/v1/workspaces/:ws/releases", async (req, reply) => {
    const body = parseInput(newRelease, req.body);
    reply.status(201);
    return s.releases.create(req.principal, req.params.ws, body);
  });
  app.get<{ Params: { ws: string }; Querystring: { workflow?: string } }>("/v1/workspaces/:ws/releases", async (req) =>
    s.releases.list(req.principal, req.params.ws, req.query.workflow),
  );
  app.get<{ Params: { ws: string }; Querystring: { workflow?: string } }>(
    "/v1/workspaces/:ws/releases/active",
    async (req) =>
      s.releases.active(req.principal, req.params.ws, parseInput(name, req.query.workflow, "query.workflow")),
  );
  app.post<{ Params: { ws: string } }>("/v1/workspaces/:ws/releases/rollback", async (req) => {
    const body = parseInput(rollback, req.body);
    return s.releases.rollback(req.principal, req.params.ws, body.workflow);
  });
  app.get<WsId>("/v1/workspaces/:ws/releases/:id", async (req) =>
    s.releases.get(req.principal, req.params.ws, req.params.id),
  );
  app.post<WsId>("/v1/workspaces/:ws/releases/:id/activate", async (req) => {
    const body = parseInput(activate, req.body);
    return s.releases.activate(req.principal, req.params.ws, req.params.id, body.override);
  });
  app.post<WsId>("/v1/workspaces/:ws/releases/:id/eval-reports", async (req, reply) => {
    checkJsonShape(req.body);
    const body = parseInput(evalReport, req.body);
    reply.status(201);
    return s.releases.addEvalReport(req.principal, req.params.ws, req.params.id, body as never);
  });

  app.post<WsName>("/v1/workspaces/:ws/workflows/:name/replay", async (req) => {
    const body = parseInput(replay, req.body);
    return s.replay.replay(req.principal, req.params.ws, req.params.name, body);
  });
}
