import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { McpGateway } from "../../mcp-gateway/gateway.js";
import { workspaceVisible } from "../../identity/access.js";
import type { Services } from "../../services.js";

type McpRequest = FastifyRequest<{ Params: { ws: string; workflow: string } }>;

/**
 * The MCP gateway's endpoint (Streamable HTTP): POST for messages, GET for the server's stream,
 * DELETE to end the session. Authenticated by the same bearer keys as the API.
 */
export function mcpRoutes(app: FastifyInstance, s: Services, gateway: McpGateway): void {
  const handler = async (req: McpRequest, reply: FastifyReply) => {
    const principal = await s.keys.authenticate(req.headers.authorization);
    await workspaceVisible(s.store, principal, req.params.ws);
    try {
      await gateway.handle(principal, req.params, req.raw, reply.raw, req.body, () => reply.hijack());
    } catch (e) {
      if (!reply.sent && !reply.raw.headersSent) throw e;
      req.log.error({ err: e }, "MCP request failed after the transport took over");
      if (!reply.raw.writableEnded) reply.raw.end();
    }
  };
  app.post("/mcp/:ws/:workflow", handler);
  app.get("/mcp/:ws/:workflow", handler);
  app.delete("/mcp/:ws/:workflow", handler);
  app.addHook("preClose", async () => gateway.close());
}
