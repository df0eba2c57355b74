import type { FastifyInstance } from "fastify";
import { systemKey, rateKey } from "../../calls/execute.js";
import { can, workspaceAccess } from "../../identity/access.js";
import type { Services } from "../../services.js";

/** The health of the systems a workspace's workflows reach: breaker state and rate-limit bucket. */
export function systemRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/systems", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, [
      ...can.manage,
      "auditor",
      "approver",
    ]);
    const items = new Map<string, { system: string; workflows: string[]; breaker: string; rateLimit: unknown }>();
    for (const w of await s.store.scope(tenantId).workflows.list(req.params.ws)) {
      const wf = await s.workflows.compiledVersion(tenantId, req.params.ws, w.name, w.version);
      for (const system of Object.keys(wf.manifest.systems)) {
        const entry = items.get(system) ?? {
          system,
          workflows: [],
          breaker: s.reliability.breakers.state(
            systemKey({ tenantId, workspaceId: req.params.ws, action: { system } as never }),
          ),
          rateLimit: s.reliability.rateLimiter.state(rateKey(tenantId, system)) ?? null,
        };
        entry.workflows.push(w.name);
        items.set(system, entry);
      }
    }
    return { items: [...items.values()] };
  });
}
