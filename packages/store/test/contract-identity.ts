import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../src/index.js";
import type { TestStore } from "./stores.js";

const t0 = "2026-03-01T10:00:00.000Z";
const connection = {
  workspaceId: "wa",
  name: "chat",
  kind: "service" as const,
  issuer: "https://id.example.com",
  endpoints: { issuer: "https://id.example.com", token: "https://id.example.com/token" },
  clientId: "tollgate",
  clientSecretRef: "chat-client-secret",
  redirectUri: null,
  scopes: ["chat:write"],
  blanketAccepted: null,
  createdAt: t0,
  createdBy: "key_1",
  updatedAt: t0,
};
const grant = {
  workspaceId: "wa",
  connection: "chat",
  subject: "service",
  tokensSealed: "v1:sealed",
  expiresAt: t0,
  scopesGranted: ["chat:write"],
  scopesWider: [],
};

/** OAuth connections, grants and pending authorizations: the same on every dialect. */
export function identityContract(name: string, make: () => Promise<TestStore>): void {
  describe(`identity store on ${name}`, () => {
    let t: TestStore;
    let store: Store;

    beforeEach(async () => {
      t = await make();
      store = t.store;
      for (const id of ["ta", "tb"]) await store.createTenant({ id, name: id, wrappedKey: "k", createdAt: t0 });
      await store.scope("ta").workspaces.create("wa", "A", t0);
      await store.scope("tb").workspaces.create("wb", "B", t0);
    });
    afterEach(async () => t.cleanup());

    it("keeps connections and grants per tenant", async () => {
      const a = store.scope("ta").oauth;
      await a.createConnection(connection);
      await a.putGrant(grant, t0);
      expect(await a.getConnection("wa", "chat")).toMatchObject({ kind: "service", scopes: ["chat:write"] });
      expect(await a.getGrant("wa", "chat", "service")).toMatchObject({ status: "connected", generation: 1 });
      const b = store.scope("tb").oauth;
      expect(await b.getConnection("wa", "chat")).toBeUndefined();
      expect(await b.getGrant("wa", "chat", "service")).toBeUndefined();
      expect(await b.listGrants("wa")).toEqual([]);
      expect(await b.revokeGrants("wa", "chat", undefined, t0)).toBe(0);
      expect(await b.deleteConnection("wa", "chat")).toBe(false);
      expect(await a.getGrant("wa", "chat", "service")).toMatchObject({ status: "connected" });
    });

    it("drops a refresh that lost to a revocation (compare-and-set on the generation)", async () => {
      const a = store.scope("ta").oauth;
      await a.createConnection(connection);
      await a.putGrant(grant, t0);
      const tokens = { tokensSealed: "v1:new", expiresAt: t0, scopesGranted: ["chat:write"], scopesWider: [] };
      expect(await a.refreshGrant(grant, 1, tokens, t0)).toBe(true);
      expect(await a.refreshGrant(grant, 1, tokens, t0)).toBe(false);
      expect(await a.revokeGrants("wa", "chat", "service", t0)).toBe(1);
      const revoked = await a.getGrant("wa", "chat", "service");
      expect(revoked).toMatchObject({ status: "revoked", tokensSealed: null, generation: 3 });
      expect(await a.refreshGrant(grant, 3, tokens, t0)).toBe(false);
      await a.putGrant(grant, t0);
      expect(await a.getGrant("wa", "chat", "service")).toMatchObject({ status: "connected", generation: 4 });
      expect(await a.deleteConnection("wa", "chat")).toBe(true);
      expect(await a.listGrants("wa")).toEqual([]);
    });

    it("takes a pending authorization once, and only in its tenant", async () => {
      await store.scope("ta").oauth.createState({
        stateHash: "h1",
        workspaceId: "wa",
        connection: "chat",
        subject: "user:alice",
        verifierSealed: "v1:x",
        nonce: "n",
        redirectUri: "https://tollgate.example.com/v1/oauth/callback",
        expiresAt: t0,
        createdAt: t0,
        createdBy: null,
      });
      expect(await store.findOAuthState("h1")).toMatchObject({ tenantId: "ta", subject: "user:alice" });
      expect(await store.scope("tb").oauth.takeState("h1")).toBe(false);
      expect(await store.scope("ta").oauth.takeState("h1")).toBe(true);
      expect(await store.scope("ta").oauth.takeState("h1")).toBe(false);
      expect(await store.findOAuthState("h1")).toBeUndefined();
    });

    it("retires a rotated key once", async () => {
      const keys = store.scope("ta").keys;
      const key = {
        workspaceId: "wa",
        name: "k",
        role: "agent" as const,
        secretHash: "h",
        createdAt: t0,
        createdBy: null,
      };
      await keys.create({ ...key, id: "key_old" });
      await keys.create({ ...key, id: "key_new" });
      expect(await store.scope("tb").keys.retire("key_old", "key_new", t0)).toBe(false);
      expect(await keys.retire("key_old", "key_new", t0)).toBe(true);
      expect(await keys.retire("key_old", "key_new", t0)).toBe(false);
      expect(await keys.get("key_old")).toMatchObject({ expiresAt: t0, replacedBy: "key_new" });
    });
  });
}
