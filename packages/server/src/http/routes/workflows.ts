import { z } from "zod";
import { decide, resolveAction, TollgateError } from "@tollgate/core";
import type { FastifyInstance } from "fastify";
import { can, workspaceAccess } from "../../identity/access.js";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

const simulate = z
  .object({
    workflow: z.string().min(1),
    tool: z.string().min(1),
    args: z.record(z.string(), z.unknown()).default({}),
    run: z
      .object({
        agent: z.string().optional(),
        actingAs: z.string().optional(),
        labels: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
    usage: z.record(z.string(), z.number()).optional(),
  })
  .strict();

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
    const action = resolveAction(wf, body.tool);
    if (!action)
      return {
        decision: "block",
        class: null,
        rules: ["outside_boundary"],
        reason: `${body.tool} is not an action of workflow ${body.workflow}`,
        version: wf.version,
      };
    const errors = action.validateArgs(body.args);
    if (errors.length > 0)
      throw new TollgateError("invalid_arguments", `arguments of ${action.id} do not match its input schema`, {
        errors,
      });
    const d = decide(wf, {
      tool: { system: action.system, action: action.action, class: action.class },
      args: body.args,
      run: body.run ?? {},
      usage: body.usage ?? {},
      now: s.clock.now(),
    });
    return {
      decision: d.effect,
      class: action.class,
      rules: d.rules,
      reason: d.reason,
      version: wf.version,
      ...(d.errors ? { ruleErrors: d.errors } : {}),
    };
  });
}
