import { TollgateError } from "@tollgate/core";
import type { Notifications, Store } from "@tollgate/store";
import { newDataKey, open, rowAad, seal, unwrapDataKey, wrapDataKey } from "./crypto.js";

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
  private readonly secrets = new Map<string, { sealed: string; value: string; until: number }>();
  private publishChange: ((change: SecretChange) => void) | undefined;
  /** counts changes heard of: a read that overlapped one is used but not cached (it may be older) */
  private changes = 0;

  constructor(
    private readonly store: Store,
    private readonly masterKey: Buffer,
    private readonly cacheMs = defaultSecretCacheMs,
  ) {}

  /**
   * A secret put or a tenant deleted in one process drops it from every process's cache
   * (PostgreSQL NOTIFY/LISTEN); a process that missed the message reads it again within `cacheMs`.
   */
  async connect(notifications: Notifications, onError: (e: unknown) => void): Promise<() => Promise<void>> {
    const stop = await notifications.subscribe(secretChangesChannel, (payload) => {
      const change = parseChange(payload);
      if (change) this.dropCached(change);
    });
    this.publishChange = (change) => {
      notifications.publish(secretChangesChannel, JSON.stringify(change)).catch(onError);
    };
    return stop;
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
    this.secretChanged({ tenantId });
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
    this.secretChanged({ tenantId, workspaceId, name });
  }

  /**
   * A workspace secret, read from the store at most every `cacheMs` (a hot-path cost: every
   * governed call needs its credential). A changed secret takes effect at once in every process
   * that heard of the change; the same sealed value is never decrypted twice.
   */
  async getSecret(tenantId: string, workspaceId: string, name: string): Promise<string | undefined> {
    const key = cacheKey(tenantId, workspaceId, name);
    const cached = this.secrets.get(key);
    const now = Date.now();
    if (cached && cached.until > now) return cached.value;
    const changesBefore = this.changes;
    const sealed = await this.store.scope(tenantId).secrets.get(workspaceId, name);
    if (sealed === undefined) {
      this.secrets.delete(key);
      return undefined;
    }
    const value = cached?.sealed === sealed ? cached.value : await this.openSecret(tenantId, workspaceId, name, sealed);
    if (this.cacheMs <= 0 || this.changes !== changesBefore) return value;
    if (this.secrets.size >= maxCachedSecrets) this.secrets.clear();
    this.secrets.set(key, { sealed, value, until: now + this.cacheMs });
    return value;
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

  private secretChanged(change: SecretChange): void {
    this.dropCached(change);
    this.publishChange?.(change);
  }

  private dropCached(change: SecretChange): void {
    this.changes++;
    if (change.workspaceId !== undefined && change.name !== undefined) {
      this.secrets.delete(cacheKey(change.tenantId, change.workspaceId, change.name));
      return;
    }
    const prefix = cacheKey(change.tenantId, "", "").slice(0, -1);
    for (const key of this.secrets.keys()) if (key.startsWith(prefix)) this.secrets.delete(key);
  }
}

/** One secret, or (without workspace and name) every secret of a tenant. */
interface SecretChange {
  tenantId: string;
  workspaceId?: string;
  name?: string;
}

const cacheKey = (tenantId: string, workspaceId: string, name: string) => `${tenantId}\0${workspaceId}\0${name}`;

function parseChange(payload: string): SecretChange | undefined {
  try {
    const c = JSON.parse(payload) as SecretChange;
    return typeof c.tenantId === "string" ? c : undefined;
  } catch {
    return undefined;
  }
}
