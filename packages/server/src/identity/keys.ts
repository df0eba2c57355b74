import { randomBytes, timingSafeEqual } from "node:crypto";
import { newId, sha256Hex, TollgateError } from "@tollgate/core";
import type { ApiKeyRecord, Notifications, Role, Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import { NoticedCache } from "./noticed-cache.js";
import { operatorKeyId, operatorTenant, type Principal } from "./principal.js";

const keyPattern = /^tgk_([0-9a-z]{20})_([0-9a-f]{64})$/;
const touchEveryMs = 60_000;
/** how long a key read for authentication is reused; revocation in any process ends it at once */
export const defaultKeyCacheMs = 5_000;
const maxCachedKeys = 10_000;
const keyChangesChannel = "tollgate_key_changes";

export const hashKey = (token: string): string => sha256Hex(token);

export function mintKey(): { id: string; token: string } {
  const id = newId("key");
  return { id, token: `tgk_${id.slice(4)}_${randomBytes(32).toString("hex")}` };
}

/**
 * API keys are random 256-bit secrets; only their SHA-256 is stored. The key id is part of the
 * token so lookup is by primary key; the comparison of hashes is constant-time.
 */
export class KeyService {
  private readonly lastTouched = new Map<string, number>();
  /** key id → its row as read for authentication (not the token: its hash is compared every time) */
  private readonly cache: NoticedCache<ApiKeyRecord>;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    cacheMs = defaultKeyCacheMs,
  ) {
    this.cache = new NoticedCache({ ttlMs: cacheMs, maxEntries: maxCachedKeys, channel: keyChangesChannel });
  }

  /**
   * Revocation, rotation and tenant deletion in one process drop the key from every process's
   * cache (PostgreSQL NOTIFY/LISTEN); a process that missed the message forgets within `cacheMs`.
   */
  connect(notifications: Notifications, onError: (e: unknown) => void): Promise<() => Promise<void>> {
    return this.cache.connect(notifications, onError);
  }

  /** A key changed (revoked, rotated, its tenant deleted): `*` drops every cached key. */
  keyChanged(keyId: string): void {
    this.cache.changed(keyId);
  }

  /** The key row by id, from the cache while it is fresh. Only keys that exist are cached. */
  private keyForAuth(id: string): Promise<ApiKeyRecord | undefined> {
    return this.cache.read(id, () => this.store.findKeyForAuth(id));
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    if (!token) throw new TollgateError("unauthorized", "missing bearer key: send Authorization: Bearer <key>");
    const m = keyPattern.exec(token);
    const id = m ? `key_${m[1]}` : operatorKeyId;
    const key = await this.keyForAuth(id);
    if (!key || !safeEqual(key.secretHash, hashKey(token))) throw new TollgateError("unauthorized", "unknown key");
    const stopped = whyKeyStopped(key, this.clock.now().toISOString());
    if (stopped) throw new TollgateError("unauthorized", stopped);
    this.touch(key);
    return { keyId: key.id, tenantId: key.tenantId, workspaceId: key.workspaceId, role: key.role, name: key.name };
  }

  /** last_used_at is kept to the minute, so authentication does not write on every request. */
  private touch(key: ApiKeyRecord): void {
    const now = this.clock.now().getTime();
    if (now - (this.lastTouched.get(key.id) ?? 0) < touchEveryMs) return;
    this.lastTouched.set(key.id, now);
    this.store.touchKey(key.id, new Date(now).toISOString()).catch(() => this.lastTouched.delete(key.id));
  }

  /**
   * On first start with an empty store: the operator key from TOLLGATE_ADMIN_KEY, else a new one.
   * Returns the token only when it was generated here (to be printed once and saved 0600).
   */
  async bootstrapOperator(fromEnv: string | undefined): Promise<{ created: boolean; token?: string }> {
    if ((await this.store.countKeys()) > 0) {
      if (fromEnv) await this.ensureOperatorMatches(fromEnv);
      return { created: false };
    }
    // Not in the tgk_ form: the operator key is looked up under its fixed id.
    const token = fromEnv ?? `tgo_${randomBytes(32).toString("hex")}`;
    if (!(await this.store.getTenant(operatorTenant))) {
      await this.store.createTenant({
        id: operatorTenant,
        name: "operator",
        wrappedKey: "-",
        createdAt: iso(this.clock),
      });
    }
    await this.store.scope(operatorTenant).keys.create({
      id: operatorKeyId,
      workspaceId: null,
      name: "operator",
      role: "operator",
      secretHash: hashKey(token),
      createdAt: iso(this.clock),
      createdBy: null,
    });
    return fromEnv ? { created: true } : { created: true, token };
  }

  private async ensureOperatorMatches(token: string): Promise<void> {
    const key = await this.store.findKeyForAuth(operatorKeyId);
    if (key && !safeEqual(key.secretHash, hashKey(token))) {
      throw new Error("TOLLGATE_ADMIN_KEY does not match the operator key this store was created with");
    }
  }

  async create(
    principal: Principal,
    tenantId: string,
    workspaceId: string,
    name: string,
    role: Role,
  ): Promise<{ record: ApiKeyRecord; token: string }> {
    const { id, token } = mintKey();
    const record = await this.store.transaction(tenantId, async (s) => {
      const r = await s.keys.create({
        id,
        workspaceId,
        name,
        role,
        secretHash: hashKey(token),
        createdAt: iso(this.clock),
        createdBy: principal.keyId,
      });
      await s.audit.append(
        [{ type: "key.created", workspace: workspaceId, actor: principal.keyId, data: { keyId: id, name, role } }],
        iso(this.clock),
      );
      return r;
    });
    return { record, token };
  }

  /**
   * Rotation: a new key with the same name and role; the old one keeps working for `graceSeconds`
   * (so agents can be redeployed), then fails. Revoking either key stays immediate.
   */
  async rotate(
    principal: Principal,
    tenantId: string,
    workspaceId: string,
    id: string,
    graceSeconds: number,
  ): Promise<{ record: ApiKeyRecord; token: string; oldKeyExpiresAt: string }> {
    const { id: newId, token } = mintKey();
    const now = iso(this.clock);
    const oldKeyExpiresAt = iso(this.clock, graceSeconds * 1000);
    const record = await this.store.transaction(tenantId, async (s) => {
      const old = await s.keys.get(id);
      if (!old || old.workspaceId !== workspaceId)
        throw new TollgateError("not_found", `no key ${id} in workspace ${workspaceId}`);
      if (old.revokedAt) throw new TollgateError("conflict", `key ${id} is revoked; create a new key instead`);
      const r = await s.keys.create({
        id: newId,
        workspaceId,
        name: old.name,
        role: old.role,
        secretHash: hashKey(token),
        createdAt: now,
        createdBy: principal.keyId,
      });
      if (!(await s.keys.retire(id, newId, oldKeyExpiresAt)))
        throw new TollgateError("conflict", `key ${id} was already rotated (to ${old.replacedBy})`);
      await s.audit.append(
        [
          {
            type: "key.rotated",
            workspace: workspaceId,
            actor: principal.keyId,
            data: { keyId: id, newKeyId: newId, name: old.name, role: old.role, oldKeyExpiresAt },
          },
        ],
        now,
      );
      return r;
    });
    this.keyChanged(id);
    return { record, token, oldKeyExpiresAt };
  }

  async revoke(principal: Principal, tenantId: string, workspaceId: string, id: string): Promise<void> {
    await this.store.transaction(tenantId, async (s) => {
      const key = await s.keys.get(id);
      if (!key || key.workspaceId !== workspaceId)
        throw new TollgateError("not_found", `no key ${id} in workspace ${workspaceId}`);
      if (!(await s.keys.revoke(id, iso(this.clock))))
        throw new TollgateError("conflict", `key ${id} is already revoked`);
      await s.audit.append(
        [{ type: "key.revoked", workspace: workspaceId, actor: principal.keyId, data: { keyId: id, name: key.name } }],
        iso(this.clock),
      );
    });
    this.keyChanged(id);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Why a key no longer works at `now` (revoked, or rotated past its grace), or undefined while it works. */
export function whyKeyStopped(key: Pick<ApiKeyRecord, "revokedAt" | "expiresAt">, now: string): string | undefined {
  if (key.revokedAt) return "this key was revoked";
  if (key.expiresAt && now >= key.expiresAt) return `this key was rotated and stopped working at ${key.expiresAt}`;
  return undefined;
}
