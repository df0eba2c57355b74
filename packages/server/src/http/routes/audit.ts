import { Readable } from "node:stream";
import { z } from "zod";
import type { FastifyInstance } from "fastify";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

const eventsQuery = z.object({
  workspace: z.string().min(1),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});
const verifyQuery = z.object({ workspace: z.string().min(1) });

export function auditRoutes(app: FastifyInstance, s: Services): void {
  app.get("/v1/audit/events", async (req, reply) => {
    const q = parseInput(eventsQuery, req.query, "query");
    const page = await s.audit.events(req.principal, q.workspace, q.after, q.limit);
    if (String(req.headers.accept ?? "").includes("application/x-ndjson")) {
      if (page.next) reply.header("x-next-cursor", page.next);
      reply.type("application/x-ndjson");
      return page.items.map((e) => JSON.stringify(e)).join("\n") + (page.items.length > 0 ? "\n" : "");
    }
    return page;
  });

  app.get("/v1/audit/public-key", async (req) => {
    const q = parseInput(verifyQuery, req.query, "query");
    return s.audit.publicKey(req.principal, q.workspace);
  });

  // the verifiable export: NDJSON rows, streamed (`tollgate audit verify FILE` checks it offline)
  app.get("/v1/audit/export", async (req, reply) => {
    const q = parseInput(verifyQuery, req.query, "query");
    const rows = await s.audit.export(req.principal, q.workspace);
    async function* lines() {
      for await (const row of rows) yield `${JSON.stringify(row)}\n`;
    }
    reply.type("application/x-ndjson");
    return reply.send(Readable.from(lines()));
  });

  app.get("/v1/audit/verify", async (req) => {
    const q = parseInput(verifyQuery, req.query, "query");
    return s.audit.verify(req.principal, q.workspace);
  });
}
