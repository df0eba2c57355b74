import type { FastifyInstance } from "fastify";
import { can, workspaceAccess } from "../../identity/access.js";
import type { Services } from "../../services.js";

type Params = { ws: string; name: string };

/** Pinned upstream MCP tool definitions of a workflow: their state, and an admin's accept. */
export function toolRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Params: Params }>("/v1/workspaces/:ws/workflows/:name/tools", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, [
      ...can.manage,
      "auditor",
      "approver",
    ]);
    const wf = await s.workflows.compiledActive(tenantId, req.params.ws, req.params.name);
    return { workflow: wf.name, version: wf.version, items: await s.mcp.pins.status(tenantId, req.params.ws, wf) };
  });

  app.post<{ Params: Params & { tool: string } }>(
    "/v1/workspaces/:ws/workflows/:name/tools/:tool/accept",
    async (req) => {
      const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
      const wf = await s.workflows.compiledActive(tenantId, req.params.ws, req.params.name);
      return s.mcp.pins.accept(req.principal, tenantId, req.params.ws, wf, req.params.tool);
    },
  );
}
