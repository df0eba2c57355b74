import { TollgateError } from "@tollgate/core";
import type { Notifications, Store } from "@tollgate/store";
import { newDataKey, open, rowAad, seal, unwrapDataKey, wrapDataKey } from "./crypto.js";
import { NoticedCache } from "./noticed-cache.js";

/** how long a secret read for a call is reused; a change in any process ends it at once */
export const defaultSecretCacheMs = 5_000;
const maxCachedSecrets = 1_000;
const secretChangesChannel = "tollgate_secret_changes";

/**
 * Holds tenants' data keys (unwrapped in memory on first use) and seals or opens values with
 * them. Workspace secrets are stored here, encrypted, and never returned by any endpoint.
 */
export class Vault {
  private readonly keys = new Map<string, Buffer>();
  /** opened secrets by tenant, workspace and name, with the sealed value they came from */
  private readonly secrets: NoticedCache<{ sealed: string; value: string }>;

  constructor(
    private readonly store: Store,
    private readonly masterKey: Buffer,
    cacheMs = defaultSecretCacheMs,
  ) {
    this.secrets = new NoticedCache({ ttlMs: cacheMs, maxEntries: maxCachedSecrets, channel: secretChangesChannel });
  }

  /**
   * A secret put or a tenant deleted in one process drops it from every process's cache
   * (PostgreSQL NOTIFY/LISTEN); a process that missed the message reads it again within `cacheMs`.
   */
  connect(notifications: Notifications, onError: (e: unknown) => void): Promise<() => Promise<void>> {
    return this.secrets.connect(notifications, onError);
  }

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
    this.secrets.changed(`${tenantId}/*`);
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
    this.secrets.changed(secretKey(tenantId, workspaceId, name));
  }

  /**
   * A workspace secret, read from the store at most every `cacheMs` (a hot-path cost: every
   * governed call needs its credential). A changed secret takes effect at once in every process
   * that heard of the change; the same sealed value is never decrypted twice.
   */
  async getSecret(tenantId: string, workspaceId: string, name: string): Promise<string | undefined> {
    const opened = await this.secrets.read(secretKey(tenantId, workspaceId, name), async (expired) => {
      const sealed = await this.store.scope(tenantId).secrets.get(workspaceId, name);
      if (sealed === undefined) return undefined;
      if (expired?.sealed === sealed) return expired;
      return { sealed, value: await this.openSecret(tenantId, workspaceId, name, sealed) };
    });
    return opened?.value;
  }

  /** A sealed secret that does not open (another master key, a damaged row) is the caller's clear error, not a 500. */
  private async openSecret(tenantId: string, workspaceId: string, name: string, sealed: string): Promise<string> {
    try {
      return await this.open(tenantId, "secrets", `${workspaceId}/${name}`, sealed);
    } catch (e) {
      if (e instanceof TollgateError) throw e;
      throw new TollgateError(
        "credentials_unavailable",
        `secret ${name} of workspace ${workspaceId} cannot be decrypted with this server's master key; set it again`,
      );
    }
  }

  /**
   * Every secret value of a workspace, so redaction can replace them wherever they appear. One
   * that does not open fails the call clearly (a result could carry it unredacted otherwise).
   */
  async secretValues(tenantId: string, workspaceId: string): Promise<string[]> {
    const rows = await this.store.scope(tenantId).secrets.list(workspaceId);
    return Promise.all(rows.map((r) => this.openSecret(tenantId, workspaceId, r.name, r.ciphertext)));
  }
}

/** Secret names and workspace ids hold no `/`: a tenant's secrets share the prefix `tenant/`. */
const secretKey = (tenantId: string, workspaceId: string, name: string) => `${tenantId}/${workspaceId}/${name}`;
