import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { can, workspaceAccess } from "../../identity/access.js";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, "must be 1-128 letters, digits, dots, dashes or underscores");
const url = z.string().min(1).max(2000);
const scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/, "must be a scope token (RFC 6749 §3.3)");
const identityId = z.string().min(1).max(200);

const createConnection = z
  .object({
    name,
    kind: z.enum(["user", "service"]),
    issuer: url.optional(),
    endpoints: z
      .object({ issuer: url.optional(), authorization: url.optional(), token: url, revocation: url.optional() })
      .strict()
      .optional(),
    clientId: z.string().min(1).max(500),
    clientSecretRef: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/, "must name a workspace secret")
      .optional(),
    scopes: z.array(scope).max(100).optional(),
    redirectUri: url.optional(),
    user: identityId.optional(),
    serviceAccount: identityId.optional(),
    acceptBlanketScopes: z
      .object({ reason: z.string().min(3).max(1000) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => b.issuer !== undefined || b.endpoints !== undefined, {
    message: "give issuer (discovery) or endpoints",
    path: ["issuer"],
  });
const authorize = z.object({ user: identityId.optional(), serviceAccount: identityId.optional() }).strict();
const revoke = z
  .object({
    actingAs: z
      .union([z.string().min(1).max(210), z.object({ kind: z.string(), id: z.string().optional() })])
      .optional(),
  })
  .strict();

/** OAuth connections of a workspace, and the provider's redirect back. */
export function connectionRoutes(app: FastifyInstance, s: Services): void {
  const readers = [...can.manage, "auditor", "approver"] as const;

  app.post<{ Params: { ws: string } }>("/v1/workspaces/:ws/connections", async (req, reply) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    const body = parseInput(createConnection, req.body);
    reply.status(201);
    return s.connections.create(req.principal, tenantId, req.params.ws, body);
  });

  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/connections", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, readers);
    return s.connections.list(tenantId, req.params.ws);
  });

  app.get<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/connections/:name", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, readers);
    return s.connections.get(tenantId, req.params.ws, req.params.name);
  });

  app.post<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/connections/:name/authorize", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    const body = parseInput(authorize, req.body);
    return s.connections.authorize(req.principal, tenantId, req.params.ws, req.params.name, body);
  });

  app.post<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/connections/:name/revoke", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    const body = parseInput(revoke, req.body);
    const actingAs =
      typeof body.actingAs === "object" ? `${body.actingAs.kind}:${body.actingAs.id ?? "service"}` : body.actingAs;
    return s.connections.revoke(req.principal, tenantId, req.params.ws, req.params.name, actingAs);
  });

  app.delete<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/connections/:name", async (req, reply) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    await s.connections.disconnect(req.principal, tenantId, req.params.ws, req.params.name);
    reply.status(204);
  });
}

/**
 * `GET /v1/oauth/callback?code&state`: the provider sends the user's browser here. It carries no
 * Tollgate key; the single-use state names the pending authorization. Logged at warn only, so
 * the code in the query string never reaches the request log.
 */
export function oauthCallbackRoute(app: FastifyInstance, s: Services): void {
  app.get("/v1/oauth/callback", { logLevel: "warn" }, async (req) => {
    const callbackUrl = new URL(req.url, "http://callback.invalid");
    return s.connections.callback(callbackUrl);
  });
}
