import { z } from "zod";
import { callContextFields, decideCall, TollgateError } from "@tollgate/core";
import type { FastifyInstance } from "fastify";
import { can, workspaceAccess } from "../../identity/access.js";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

const version = z.string().min(1).max(100);
const diffQuery = z.object({ from: version.optional(), to: version.optional() }).strict();
const simulate = z.object({ workflow: z.string().min(1), ...callContextFields }).strict();

/** Workflow manifests and the policy simulator. */
export function workflowRoutes(app: FastifyInstance, s: Services): void {
  app.put<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/workflows/:name", async (req, reply) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    const source = typeof req.body === "string" ? req.body : JSON.stringify(req.body ?? null);
    const r = await s.workflows.put(req.principal, tenantId, req.params.ws, req.params.name, source);
    reply.status(r.created ? 201 : 200);
    return { name: r.name, version: r.version };
  });

  app.get<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/workflows/:name", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.readRuns);
    const v = await s.workflows.getActive(tenantId, req.params.ws, req.params.name);
    return { name: v.name, version: v.version, manifest: v.manifest };
  });

  app.get<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/workflows/:name/versions", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.readRuns);
    return s.workflows.history(tenantId, req.params.ws, req.params.name);
  });

  app.get<{ Params: { ws: string; name: string; version: string } }>(
    "/v1/workspaces/:ws/workflows/:name/versions/:version",
    async (req) => {
      const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.readRuns);
      return s.workflows.version(tenantId, req.params.ws, req.params.name, req.params.version);
    },
  );

  app.get<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/workflows/:name/diff", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.readRuns);
    const q = parseInput(diffQuery, req.query, "query");
    return s.workflows.diff(tenantId, req.params.ws, req.params.name, q);
  });

  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/workflows", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.readRuns);
    return { items: await s.store.scope(tenantId).workflows.list(req.params.ws) };
  });

  app.post<{ Params: { ws: string } }>("/v1/workspaces/:ws/simulate", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, [
      ...can.manage,
      "approver",
      "auditor",
    ]);
    const body = parseInput(simulate, req.body);
    const wf = await s.workflows.compiledActive(tenantId, req.params.ws, body.workflow);
    // the same decision the governed call makes, without running anything (core decideCall)
    const d = decideCall(wf, { ...body, now: s.clock.now() });
    if (d.decision === "invalid_arguments")
      throw new TollgateError("invalid_arguments", `arguments of ${body.tool} do not match its input schema`, {
        errors: d.errors,
      });
    const { errors: _, ...decision } = d;
    return { ...decision, version: wf.version };
  });
}
