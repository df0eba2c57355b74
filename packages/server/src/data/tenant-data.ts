import { TollgateError } from "@tollgate/core";
import type { Store } from "@tollgate/store";
import type { AuditSigner } from "../audit/signing.js";
import type { Principal } from "../identity/principal.js";
import type { Vault } from "../identity/vault.js";

/**
 * Tenant export and deletion (issue 10), operator only. Deletion removes every row the tenant owns
 * and its wrapped data key, then forgets the key in memory: sealed values of the tenant (secrets,
 * OAuth tokens, approval arguments, the audit signing key) no longer open anywhere, backups included.
 */
export class TenantDataService {
  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly signer: AuditSigner,
    /** the deleted tenant's keys must stop working at once, also where they were cached */
    private readonly keyChanged: (keyId: string) => void,
    /** other caches of the tenant's rows (model providers and settings), dropped in every replica */
    private readonly tenantChanged: (tenantId: string) => void,
  ) {}

  async export(
    p: Principal,
    tenantId: string,
  ): Promise<AsyncGenerator<{ table: string; row: Record<string, unknown> }>> {
    await this.tenantForOperator(p, tenantId);
    return this.store.scope(tenantId).tenantData.rows();
  }

  async delete(p: Principal, tenantId: string): Promise<{ tenant: string; deleted: Record<string, number> }> {
    await this.tenantForOperator(p, tenantId);
    if (p.tenantId === tenantId) throw new TollgateError("conflict", "the operator's own tenant cannot be deleted");
    const deleted = await this.store.transaction(tenantId, (s) => s.tenantData.deleteAll());
    this.vault.forget(tenantId);
    this.signer.forget(tenantId);
    this.keyChanged("*");
    this.tenantChanged(tenantId);
    return { tenant: tenantId, deleted };
  }

  private async tenantForOperator(p: Principal, tenantId: string): Promise<void> {
    if (p.role !== "operator") {
      // another tenant's id is not confirmed to exist
      if (p.tenantId !== tenantId) throw new TollgateError("not_found", `no tenant ${tenantId}`);
      throw new TollgateError("forbidden", "only the operator key exports or deletes a tenant");
    }
    if (!(await this.store.getTenant(tenantId))) throw new TollgateError("not_found", `no tenant ${tenantId}`);
  }
}
