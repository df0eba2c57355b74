import { TollgateError } from "@tollgate/core";
import type { Role, Store } from "@tollgate/store";
import type { Principal } from "./principal.js";

/** Which roles may do what. The operator manages tenants; everything else is per workspace. */
export const can = {
  manage: ["admin"],
  readRuns: ["admin", "approver", "auditor", "agent"],
  decideApprovals: ["admin", "approver"],
  listApprovals: ["admin", "approver", "auditor"],
  readAudit: ["admin", "auditor"],
  act: ["agent", "admin"],
} satisfies Record<string, Role[]>;

/**
 * Resolves a workspace for a principal and checks the role. A workspace of another tenant (or
 * another workspace of the same tenant) answers 404, so ids of others are not confirmed to exist.
 * The operator may reach any workspace to manage keys.
 */
export async function workspaceAccess(
  store: Store,
  p: Principal,
  workspaceId: string,
  roles: readonly Role[],
): Promise<string> {
  if (p.role === "operator") {
    if (!roles.includes("admin"))
      throw new TollgateError("forbidden", "the operator key manages tenants, workspaces and keys only");
    const tenant = await store.workspaceTenant(workspaceId);
    if (!tenant) throw new TollgateError("not_found", `no workspace ${workspaceId}`);
    return tenant;
  }
  if (p.workspaceId !== workspaceId) throw new TollgateError("not_found", `no workspace ${workspaceId}`);
  requireRole(p, roles);
  return p.tenantId;
}

/** 404 unless the workspace is the caller's (or, for the operator, exists). */
export async function workspaceVisible(store: Store, p: Principal, workspaceId: string): Promise<void> {
  const visible =
    p.role === "operator" ? (await store.workspaceTenant(workspaceId)) !== undefined : p.workspaceId === workspaceId;
  if (!visible) throw new TollgateError("not_found", `no workspace ${workspaceId}`);
}

export function requireRole(p: Principal, roles: readonly Role[]): void {
  if (!roles.includes(p.role)) {
    throw new TollgateError("forbidden", `a key with role ${p.role} cannot do this (needs ${roles.join(" or ")})`);
  }
}

/** A record found by id must belong to the caller's workspace, else it does not exist for them. */
export function ownWorkspace<T extends { workspaceId: string }>(
  p: Principal,
  record: T | undefined,
  what: string,
  id: string,
): T {
  if (!record || (p.role !== "operator" && record.workspaceId !== p.workspaceId))
    throw new TollgateError("not_found", `no ${what} ${id}`);
  return record;
}
