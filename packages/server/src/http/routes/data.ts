import { Readable } from "node:stream";
import { durationPattern } from "@tollgate/core";
import { z } from "zod";
import type { FastifyInstance } from "fastify";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

const window = z
  .string()
  .regex(durationPattern, "must be a duration like 30d or 12h")
  .nullable()
  .optional()
  .describe("null: back to the default");
const putRetention = z.object({ runs: window, payloads: window, audit: window }).strict();
const purge = z.object({ dryRun: z.boolean().default(false) }).strict();
const placeHold = z
  .object({ runId: z.string().min(1).max(64).optional(), reason: z.string().min(1).max(2000) })
  .strict();
const holdsQuery = z.object({ all: z.enum(["true", "false"]).optional() });

/** Retention windows and purges, legal holds, tenant export and deletion (issue 10). */
export function dataRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/retention", async (req) =>
    s.retention.show(req.principal, req.params.ws),
  );

  app.put<{ Params: { ws: string } }>("/v1/workspaces/:ws/retention", async (req) => {
    const body = parseInput(putRetention, req.body);
    return s.retention.set(req.principal, req.params.ws, body);
  });

  app.post<{ Params: { ws: string } }>("/v1/workspaces/:ws/retention/purge", async (req) => {
    const body = parseInput(purge, req.body ?? {});
    return s.retention.purge(req.principal, req.params.ws, body.dryRun);
  });

  app.post<{ Params: { ws: string } }>("/v1/workspaces/:ws/legal-holds", async (req, reply) => {
    const body = parseInput(placeHold, req.body);
    reply.status(201);
    return s.legalHolds.place(req.principal, req.params.ws, body);
  });

  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/legal-holds", async (req) => {
    const q = parseInput(holdsQuery, req.query, "query");
    return { items: await s.legalHolds.list(req.principal, req.params.ws, q.all === "true") };
  });

  app.delete<{ Params: { ws: string; id: string } }>("/v1/workspaces/:ws/legal-holds/:id", async (req, reply) => {
    await s.legalHolds.release(req.principal, req.params.ws, req.params.id);
    reply.status(204);
  });

  // JSON lines, one row each: {"table": ..., "row": {...}}
  app.get<{ Params: { tenant: string } }>("/v1/tenants/:tenant/export", async (req, reply) => {
    const rows = await s.tenantData.export(req.principal, req.params.tenant);
    async function* lines() {
      for await (const r of rows) yield `${JSON.stringify(r)}\n`;
    }
    reply.type("application/x-ndjson");
    return reply.send(Readable.from(lines()));
  });

  app.delete<{ Params: { tenant: string } }>("/v1/tenants/:tenant", async (req) =>
    s.tenantData.delete(req.principal, req.params.tenant),
  );
}
