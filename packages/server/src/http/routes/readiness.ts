import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

const readinessQuery = z.object({ workflow: z.string().min(1).max(128).optional() }).strict();

/** The readiness report: each workflow of a workspace and its audit record, checked (admin, auditor). */
export function readinessRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/readiness", async (req) => {
    const q = parseInput(readinessQuery, req.query, "query");
    return s.readiness.report(req.principal, req.params.ws, q.workflow);
  });
}
