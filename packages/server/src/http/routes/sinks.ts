import type { FastifyInstance } from "fastify";
import { sinkConfig, sinkName } from "../../audit/sinks/config.js";
import type { Services } from "../../services.js";
import { checkJsonShape, parseInput } from "../input.js";

/** SIEM sinks of a workspace (docs/siem.md). */
export function sinkRoutes(app: FastifyInstance, s: Services): void {
  app.put<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/sinks/:name", async (req, reply) => {
    const name = parseInput(sinkName, req.params.name, "name");
    checkJsonShape(req.body);
    const config = parseInput(sinkConfig, req.body);
    const r = await s.auditExport.sinks.put(req.principal, req.params.ws, name, config);
    reply.status(r.created ? 201 : 200);
    return r.sink;
  });

  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/sinks", async (req) => ({
    items: await s.auditExport.sinks.list(req.principal, req.params.ws),
  }));

  app.delete<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/sinks/:name", async (req, reply) => {
    await s.auditExport.sinks.remove(req.principal, req.params.ws, req.params.name);
    reply.status(204);
  });

  app.post<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/sinks/:name/test", async (req) =>
    s.auditExport.sinks.test(req.principal, req.params.ws, req.params.name),
  );
}
