import { TollgateError } from "@tollgate/core";
import type { Store } from "@tollgate/store";
import { newDataKey, open, rowAad, seal, unwrapDataKey, wrapDataKey } from "./crypto.js";

/**
 * Holds tenants' data keys (unwrapped in memory on first use) and seals or opens values with
 * them. Workspace secrets are stored here, encrypted, and never returned by any endpoint.
 */
/** opened secrets remembered by their sealed value (a changed or deleted secret is a new or no row) */
const maxOpenedSecrets = 1_000;

export class Vault {
  private readonly keys = new Map<string, Buffer>();
  private readonly openedSecrets = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly masterKey: Buffer,
  ) {}

  newWrappedKey(tenantId: string): string {
    return wrapDataKey(this.masterKey, tenantId, newDataKey());
  }

  async tenantKey(tenantId: string): Promise<Buffer> {
    const cached = this.keys.get(tenantId);
    if (cached) return cached;
    const tenant = await this.store.getTenant(tenantId);
    if (!tenant) throw new TollgateError("not_found", `no tenant ${tenantId}`);
    const key = unwrapDataKey(this.masterKey, tenantId, tenant.wrappedKey);
    this.keys.set(tenantId, key);
    return key;
  }

  /** Drops a deleted tenant's unwrapped key from memory. */
  forget(tenantId: string): void {
    this.keys.delete(tenantId);
    this.openedSecrets.clear();
  }

  async seal(tenantId: string, table: string, rowId: string, plaintext: string): Promise<string> {
    return seal(await this.tenantKey(tenantId), plaintext, rowAad(tenantId, table, rowId));
  }

  async open(tenantId: string, table: string, rowId: string, sealed: string): Promise<string> {
    return open(await this.tenantKey(tenantId), sealed, rowAad(tenantId, table, rowId)).toString("utf8");
  }

  async putSecret(tenantId: string, workspaceId: string, name: string, value: string, now: string): Promise<void> {
    const sealed = await this.seal(tenantId, "secrets", `${workspaceId}/${name}`, value);
    await this.store.scope(tenantId).secrets.put(workspaceId, name, sealed, now);
  }

  /**
   * A secret is read from the store on every call, so a changed or deleted one takes effect at
   * once; only the decryption of the same sealed value is not repeated (a hot-path cost).
   */
  async getSecret(tenantId: string, workspaceId: string, name: string): Promise<string | undefined> {
    const sealed = await this.store.scope(tenantId).secrets.get(workspaceId, name);
    if (sealed === undefined) return undefined;
    const key = `${tenantId}\0${workspaceId}/${name}\0${sealed}`;
    const known = this.openedSecrets.get(key);
    if (known !== undefined) return known;
    const value = await this.open(tenantId, "secrets", `${workspaceId}/${name}`, sealed);
    if (this.openedSecrets.size >= maxOpenedSecrets) this.openedSecrets.clear();
    this.openedSecrets.set(key, value);
    return value;
  }

  /** Every secret value of a workspace, so redaction can replace them wherever they appear. */
  async secretValues(tenantId: string, workspaceId: string): Promise<string[]> {
    const rows = await this.store.scope(tenantId).secrets.list(workspaceId);
    return Promise.all(rows.map((r) => this.open(tenantId, "secrets", `${workspaceId}/${r.name}`, r.ciphertext)));
  }
}
