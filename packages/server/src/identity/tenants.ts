import { TollgateError } from "@tollgate/core";
import type { Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import type { Principal } from "./principal.js";
import type { Vault } from "./vault.js";

export class TenantService {
  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
  ) {}

  async createTenant(p: Principal, id: string, name: string | null): Promise<{ id: string; name: string | null }> {
    if (p.role !== "operator") throw new TollgateError("forbidden", "only the operator key creates tenants");
    if (await this.store.getTenant(id)) throw new TollgateError("conflict", `tenant ${id} already exists`);
    const now = iso(this.clock);
    await this.store.createTenant({ id, name, wrappedKey: this.vault.newWrappedKey(id), createdAt: now });
    await this.store.transaction(id, (s) =>
      s.audit.append([{ type: "tenant.created", actor: p.keyId, data: { tenant: id, name } }], now),
    );
    return { id, name };
  }

  async createWorkspace(
    p: Principal,
    tenantId: string,
    id: string,
    name: string | null,
  ): Promise<{ id: string; tenant: string; name: string | null }> {
    if (p.role !== "operator" && !(p.role === "admin" && p.tenantId === tenantId)) {
      throw new TollgateError(
        p.tenantId === tenantId ? "forbidden" : "not_found",
        p.tenantId === tenantId ? "only an admin or the operator creates workspaces" : `no tenant ${tenantId}`,
      );
    }
    if (!(await this.store.getTenant(tenantId))) throw new TollgateError("not_found", `no tenant ${tenantId}`);
    if (await this.store.workspaceTenant(id)) throw new TollgateError("conflict", `workspace id ${id} is taken`);
    const now = iso(this.clock);
    await this.store.transaction(tenantId, async (s) => {
      await s.workspaces.create(id, name, now);
      await s.audit.append(
        [{ type: "workspace.created", workspace: id, actor: p.keyId, data: { workspace: id, name } }],
        now,
      );
    });
    return { id, tenant: tenantId, name };
  }
}
