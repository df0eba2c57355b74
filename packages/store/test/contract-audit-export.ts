import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../src/index.js";
import type { TestStore } from "./stores.js";

const t0 = "2026-03-01T10:00:00.000Z";
const later = (s: number) => new Date(Date.parse(t0) + s * 1000).toISOString();
const syslog = { kind: "syslog", format: "native", config: { host: "127.0.0.1", port: 514 } };

/** Sinks, cursors, leases, signing keys and checkpoints: the same on every dialect. */
export function auditExportContract(name: string, make: () => Promise<TestStore>): void {
  describe(`audit export store on ${name}`, () => {
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

    it("keeps a sink's cursor when its definition changes, and keeps tenants apart", async () => {
      const s = store.scope("ta");
      expect(await s.auditSinks.put("wa", "siem", syslog, 3, t0)).toBe(true);
      expect(await s.auditSinks.put("wa", "siem", { ...syslog, format: "cef" }, 0, later(1))).toBe(false);
      expect(await s.auditSinks.get("wa", "siem")).toMatchObject({
        format: "cef",
        cursorSeq: 3,
        config: { port: 514 },
      });
      expect(await store.scope("tb").auditSinks.get("wa", "siem")).toBeUndefined();
      expect(await store.scope("tb").auditSinks.remove("wa", "siem")).toBe(false);
      expect((await s.auditSinks.list("wa")).map((x) => x.name)).toEqual(["siem"]);
      expect(await s.auditSinks.remove("wa", "siem")).toBe(true);
      expect(await s.auditSinks.list("wa")).toEqual([]);
    });

    it("gives a sink's lease to one owner at a time; only the holder moves the cursor", async () => {
      const s = store.scope("ta");
      await s.auditSinks.put("wa", "siem", syslog, 0, t0);
      expect(await store.dueAuditSinks(t0)).toHaveLength(1);
      const results = await Promise.all(
        ["r1", "r2", "r3", "r4"].map((owner) => s.auditSinks.tryLease("wa", "siem", owner, t0, later(30))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const owner = ["r1", "r2", "r3", "r4"][results.indexOf(true)]!;
      const other = owner === "r1" ? "r2" : "r1";
      expect(await store.dueAuditSinks(later(1))).toHaveLength(0);
      expect(await s.auditSinks.advance("wa", "siem", other, 5, 5, later(1))).toBe(false);
      expect(await s.auditSinks.advance("wa", "siem", owner, 5, 5, later(1))).toBe(true);
      expect(await s.auditSinks.advance("wa", "siem", owner, 4, 1, later(1))).toBe(false);
      await s.auditSinks.recordFailure("wa", "siem", owner, "refused", later(2), later(10));
      expect(await s.auditSinks.get("wa", "siem")).toMatchObject({
        cursorSeq: 5,
        delivered: 5,
        failures: 1,
        lastError: "refused",
        nextAttemptAt: later(10),
      });
      // an expired lease can be taken over
      expect(await s.auditSinks.tryLease("wa", "siem", other, later(31), later(60))).toBe(true);
      await s.auditSinks.releaseLease("wa", "siem", other);
      expect(await store.dueAuditSinks(later(11))).toHaveLength(1);
    });

    it("counts a sink's backlog for its workspace only", async () => {
      await store.transaction("ta", (x) =>
        x.audit.append(
          [
            { type: "a", workspace: "wa", ts: later(1) },
            { type: "b", workspace: null },
            { type: "c", workspace: "wa", ts: later(3) },
          ],
          t0,
        ),
      );
      const s = store.scope("ta");
      expect(await s.audit.backlog("wa", 0)).toEqual({ events: 2, oldestTs: later(1) });
      expect(await s.audit.backlog("wa", 1)).toEqual({ events: 1, oldestTs: later(3) });
      expect(await s.audit.head()).toMatchObject({ seq: 3 });
      expect(await store.scope("tb").audit.backlog("wa", 0)).toEqual({ events: 0, oldestTs: null });
    });

    it("keeps one signing key per tenant and checkpoints that name the chain head", async () => {
      const s = store.scope("ta");
      await s.auditSigning.insertKey({ keyId: "k1", publicKey: "pub", privateKeySealed: "sealed", createdAt: t0 });
      await s.auditSigning.insertKey({ keyId: "k1", publicKey: "other", privateKeySealed: "x", createdAt: t0 });
      expect(await s.auditSigning.key()).toMatchObject({ keyId: "k1", publicKey: "pub" });
      expect(await store.scope("tb").auditSigning.key()).toBeUndefined();

      await store.transaction("ta", (x) => x.audit.append([{ type: "a" }, { type: "b" }, { type: "c" }], t0));
      expect(await store.tenantsDueForCheckpoint(2)).toEqual([{ tenantId: "ta", seq: 3 }]);
      const cp = { tenant: "ta", seq: 3, hash: "h", signedAt: t0, keyId: "k1", signature: "sig" };
      await s.auditSigning.insertCheckpoint(cp);
      await s.auditSigning.insertCheckpoint({ ...cp, signature: "again" });
      expect(await s.auditSigning.checkpoints()).toEqual([cp]);
      expect(await s.auditSigning.latestCheckpoint()).toEqual(cp);
      expect(await store.tenantsDueForCheckpoint(1)).toEqual([]);
      expect(await store.scope("tb").auditSigning.checkpoints()).toEqual([]);
    });
  });
}
