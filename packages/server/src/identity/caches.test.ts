import { randomBytes } from "node:crypto";
import type { ApiKeyRecord, Notifications, Store } from "@tollgate/store";
import { describe, expect, it } from "vitest";
import { systemClock } from "../clock.js";
import { hashKey, KeyService, mintKey } from "./keys.js";
import { Vault } from "./vault.js";

// The identity caches (API keys, workspace secrets) against change notices from other replicas.

/** Notifications whose messages the test delivers itself: `hear(payload)` is another replica's notice. */
function heardNotifications(): { notifications: Notifications; hear: (payload: string) => void } {
  let onMessage: (payload: string) => void = () => {};
  return {
    notifications: {
      publish: async () => {},
      subscribe: async (_channel, listener) => {
        onMessage = listener;
        return async () => {};
      },
    },
    hear: (payload) => onMessage(payload),
  };
}

/** Revocation ends a key at once: the cache never keeps a row read before a revocation it heard of. */
describe("KeyService cache", () => {
  it("does not cache a key row whose read overlapped a revocation notice", async () => {
    const { id, token } = mintKey();
    const row = (revokedAt: string | null): ApiKeyRecord => ({
      id,
      tenantId: "t",
      workspaceId: "ws",
      name: "bot",
      role: "agent",
      secretHash: hashKey(token),
      createdAt: "2026-01-01T00:00:00.000Z",
      createdBy: null,
      revokedAt,
      lastUsedAt: "2026-01-01T00:00:00.000Z",
    });
    const reads: ((r: ApiKeyRecord) => void)[] = [];
    const store = {
      findKeyForAuth: () => new Promise<ApiKeyRecord>((resolve) => reads.push(resolve)),
      touchKey: async () => {},
    } as unknown as Store;
    const keys = new KeyService(store, systemClock, 600_000);
    const { notifications, hear } = heardNotifications();
    await keys.connect(notifications, () => {});

    const first = keys.authenticate(`Bearer ${token}`);
    hear(id); // revoked on another replica while this read was on its way
    reads[0]?.(row(null));
    await expect(first).resolves.toMatchObject({ keyId: id });

    const second = keys.authenticate(`Bearer ${token}`);
    await new Promise((r) => setImmediate(r));
    expect(reads).toHaveLength(2); // read again, not served from the cache
    reads[1]?.(row("2026-01-02T00:00:00.000Z"));
    await expect(second).rejects.toMatchObject({ code: "unauthorized" });
  });
});

/** The secret cache never keeps a value read before a change it heard of. */
describe("Vault secrets", () => {
  const masterKey = randomBytes(32);
  let wrappedKey = "";

  it("does not cache a read that overlapped a change notice (it may hold the old value)", async () => {
    const reads: ((sealed: string) => void)[] = [];
    const store = {
      getTenant: async () => ({ id: "t", wrappedKey }),
      scope: () => ({
        secrets: { get: () => new Promise<string>((resolve) => reads.push(resolve)) },
      }),
    } as unknown as Store;
    const vault = new Vault(store, masterKey, 600_000);
    wrappedKey = vault.newWrappedKey("t");
    const oldSealed = await vault.seal("t", "secrets", "ws/token", "old-token");
    const { notifications, hear } = heardNotifications();
    await vault.connect(notifications, () => {});

    const first = vault.getSecret("t", "ws", "token");
    // another replica changed the secret while this read was on its way
    hear("t/ws/token"); // the notice as the vault announces it: tenant/workspace/name
    reads[0]?.(oldSealed);
    expect(await first).toBe("old-token");

    const second = vault.getSecret("t", "ws", "token");
    await new Promise((r) => setImmediate(r));
    expect(reads).toHaveLength(2); // read again, not served from the cache
    reads[1]?.(oldSealed);
    expect(await second).toBe("old-token");
    // a read that overlapped nothing is cached
    expect(await vault.getSecret("t", "ws", "token")).toBe("old-token");
    expect(reads).toHaveLength(2);
    // until another replica announces a change to it
    hear("t/ws/token");
    const third = vault.getSecret("t", "ws", "token");
    await new Promise((r) => setImmediate(r));
    expect(reads).toHaveLength(3);
    reads[2]?.(oldSealed);
    expect(await third).toBe("old-token");
  });

  it("forgets every cached secret of a deleted tenant, and only that tenant's", async () => {
    let reads = 0;
    const sealedOf = new Map<string, string>();
    const store = {
      getTenant: async (id: string) => ({ id, wrappedKey: wrapped.get(id) }),
      scope: (tenant: string) => ({
        secrets: {
          get: async (ws: string, name: string) => {
            reads++;
            return sealedOf.get(`${tenant}/${ws}/${name}`);
          },
        },
      }),
    } as unknown as Store;
    const vault = new Vault(store, masterKey, 600_000);
    const wrapped = new Map(["t", "u"].map((t) => [t, vault.newWrappedKey(t)]));
    for (const t of ["t", "u"]) sealedOf.set(`${t}/ws/token`, await vault.seal(t, "secrets", "ws/token", `${t}-token`));
    await vault.getSecret("t", "ws", "token");
    await vault.getSecret("u", "ws", "token");
    expect(reads).toBe(2);
    vault.forget("t");
    expect(await vault.getSecret("u", "ws", "token")).toBe("u-token");
    expect(reads).toBe(2); // tenant u is still cached
    sealedOf.delete("t/ws/token"); // the tenant's rows are gone
    expect(await vault.getSecret("t", "ws", "token")).toBeUndefined();
    expect(reads).toBe(3);
  });

  it("answers a secret that does not decrypt with credentials_unavailable, naming it", async () => {
    const store = {
      getTenant: async () => ({ id: "t", wrappedKey }),
      scope: () => ({ secrets: { get: async () => "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } }),
    } as unknown as Store;
    const vault = new Vault(store, masterKey);
    wrappedKey = vault.newWrappedKey("t");
    await expect(vault.getSecret("t", "ws", "tracker-token")).rejects.toMatchObject({
      code: "credentials_unavailable",
      message: expect.stringContaining("secret tracker-token of workspace ws cannot be decrypted"),
    });
  });
});
