import { z } from "zod";
import type { FastifyInstance } from "fastify";
import { iso } from "../../clock.js";
import { can, workspaceAccess } from "../../identity/access.js";
import type { Services } from "../../services.js";
import { parseInput } from "../input.js";

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be 1-63 lowercase letters, digits or dashes");
const createTenant = z.object({ id, name: z.string().max(200).optional() }).strict();
const createWorkspace = createTenant;
const createKey = z
  .object({ name: z.string().min(1).max(200), role: z.enum(["admin", "approver", "auditor", "agent"]) })
  .strict();
const rotateKey = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(86_400),
  })
  .strict();
const putSecret = z.object({ value: z.string().min(1).max(65_536) }).strict();
const secretName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be 1-128 letters, digits, dots, dashes or underscores");

/** Tenants, workspaces, keys and secrets. */
export function adminRoutes(app: FastifyInstance, s: Services): void {
  // who the key is: the web UI and scripts learn their workspace and role from it
  app.get("/v1/whoami", async (req) => {
    const p = req.principal;
    const operator = p.workspaceId === null;
    return {
      keyId: p.keyId,
      name: p.name,
      role: p.role,
      tenant: operator ? null : p.tenantId,
      workspace: p.workspaceId,
    };
  });

  app.post("/v1/tenants", async (req, reply) => {
    const body = parseInput(createTenant, req.body);
    reply.status(201);
    return s.tenants.createTenant(req.principal, body.id, body.name ?? null);
  });

  app.post<{ Params: { tenant: string } }>("/v1/tenants/:tenant/workspaces", async (req, reply) => {
    const body = parseInput(createWorkspace, req.body);
    reply.status(201);
    return s.tenants.createWorkspace(req.principal, req.params.tenant, body.id, body.name ?? null);
  });

  app.post<{ Params: { ws: string } }>("/v1/workspaces/:ws/keys", async (req, reply) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    const body = parseInput(createKey, req.body);
    const { record, token } = await s.keys.create(req.principal, tenantId, req.params.ws, body.name, body.role);
    reply.status(201);
    return {
      id: record.id,
      key: token,
      name: record.name,
      role: record.role,
      workspace: req.params.ws,
      createdAt: record.createdAt,
    };
  });

  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/keys", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    const keys = await s.store.scope(tenantId).keys.list(req.params.ws);
    return {
      items: keys.map((k) => ({
        id: k.id,
        name: k.name,
        role: k.role,
        createdAt: k.createdAt,
        revokedAt: k.revokedAt,
        lastUsedAt: k.lastUsedAt,
        expiresAt: k.expiresAt ?? null,
        replacedBy: k.replacedBy ?? null,
      })),
    };
  });

  app.post<{ Params: { ws: string; id: string } }>("/v1/workspaces/:ws/keys/:id/rotate", async (req, reply) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    const body = parseInput(rotateKey, req.body);
    const r = await s.keys.rotate(req.principal, tenantId, req.params.ws, req.params.id, body.graceSeconds);
    reply.status(201);
    return {
      id: r.record.id,
      key: r.token,
      name: r.record.name,
      role: r.record.role,
      workspace: req.params.ws,
      createdAt: r.record.createdAt,
      replaces: req.params.id,
      oldKeyExpiresAt: r.oldKeyExpiresAt,
    };
  });

  app.delete<{ Params: { ws: string; id: string } }>("/v1/workspaces/:ws/keys/:id", async (req, reply) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    await s.keys.revoke(req.principal, tenantId, req.params.ws, req.params.id);
    reply.status(204);
  });

  app.put<{ Params: { ws: string; name: string } }>("/v1/workspaces/:ws/secrets/:name", async (req, reply) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    const name = parseInput(secretName, req.params.name, "name");
    const body = parseInput(putSecret, req.body);
    const now = iso(s.clock);
    await s.vault.putSecret(tenantId, req.params.ws, name, body.value, now);
    s.redaction.invalidate(tenantId, req.params.ws);
    await s.store.transaction(tenantId, (t) =>
      t.audit.append(
        [{ type: "secret.set", workspace: req.params.ws, actor: req.principal.keyId, data: { name } }],
        now,
      ),
    );
    reply.status(204);
  });

  app.get<{ Params: { ws: string } }>("/v1/workspaces/:ws/secrets", async (req) => {
    const tenantId = await workspaceAccess(s.store, req.principal, req.params.ws, can.manage);
    const rows = await s.store.scope(tenantId).secrets.list(req.params.ws);
    return { items: rows.map((r) => ({ name: r.name, updatedAt: r.updatedAt })) };
  });
}
