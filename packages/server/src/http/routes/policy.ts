import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

const suggestionsQuery = z
  .object({
    workflow: z.string().min(1).max(128).optional(),
    minApprovals: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** Relax with evidence: what the approval record says about each gated action. */
export function policyRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/policy/suggestions", async (req) => {
    const q = parseInput(suggestionsQuery, req.query, "query");
    return s.policySuggestions.suggest(req.principal, req.params.ws, q);
  });
}
