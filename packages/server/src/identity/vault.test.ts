import { randomBytes } from "node:crypto";
import type { Notifications, Store } from "@tollgate/store";
import { describe, expect, it } from "vitest";
import { Vault } from "./vault.js";

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
    let hear: (payload: string) => void = () => {};
    const notifications: Notifications = {
      publish: async () => {},
      subscribe: async (_channel, onMessage) => {
        hear = onMessage;
        return async () => {};
      },
    };
    await vault.connect(notifications, () => {});

    const first = vault.getSecret("t", "ws", "token");
    // another replica changed the secret while this read was on its way
    hear(JSON.stringify({ tenantId: "t", workspaceId: "ws", name: "token" }));
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
