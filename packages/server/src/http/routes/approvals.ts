import { z } from "zod";
import type { FastifyInstance } from "fastify";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

const listQuery = z.object({
  workspace: z.string().min(1),
  status: z.enum(["pending", "approved", "denied", "expired", "cancelled"]).optional(),
});
const decision = z
  .object({
    decision: z.enum(["approve", "deny"]),
    reason: z.string().max(2000).optional(),
    channel: z.enum(["api", "cli", "ui", "chat"]).optional(),
  })
  .strict();

export function approvalRoutes(app: FastifyInstance, s: Services): void {
  app.get("/v1/approvals", async (req) => {
    const q = parseInput(listQuery, req.query, "query");
    return s.approvals.list(req.principal, q.workspace, q.status);
  });

  app.get<{ Params: { id: string } }>("/v1/approvals/:id", async (req) =>
    s.approvals.show(req.principal, req.params.id),
  );

  app.post<{ Params: { id: string } }>("/v1/approvals/:id/decision", async (req) => {
    const body = parseInput(decision, req.body);
    return s.approvals.decide(req.principal, req.params.id, body);
  });
}
