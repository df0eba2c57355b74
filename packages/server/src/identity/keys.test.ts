import type { ApiKeyRecord, Notifications, Store } from "@tollgate/store";
import { describe, expect, it } from "vitest";
import { systemClock } from "../clock.js";
import { hashKey, KeyService, mintKey } from "./keys.js";

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
    let hear: (payload: string) => void = () => {};
    const notifications: Notifications = {
      publish: async () => {},
      subscribe: async (_channel, onMessage) => {
        hear = onMessage;
        return async () => {};
      },
    };
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
