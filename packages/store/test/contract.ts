import { verifyChain } from "@tollgate/core";
import { sql } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HeadHints, type Store, TenantScope } from "../src/index.js";
import { auditExportContract } from "./contract-audit-export.js";
import { changeControlContract } from "./contract-change-control.js";
import { identityContract } from "./contract-identity.js";
import type { TestStore } from "./stores.js";
import { approvalsContract } from "./approvals-contract.js";
import { modelsContract } from "./contract-models.js";
import { dataHandlingContract } from "./contract-data-handling.js";

const now = () => new Date().toISOString();

/** The store contract: every dialect must pass the same suite (contract.test.ts, contract.pg.test.ts). */
export function storeContract(name: string, make: () => Promise<TestStore>): void {
  describe(`store contract on ${name}`, () => {
    let t: TestStore;
    let store: Store;

    beforeEach(async () => {
      t = await make();
      store = t.store;
      for (const id of ["ta", "tb"]) await store.createTenant({ id, name: id, wrappedKey: "k", createdAt: now() });
      await store.scope("ta").workspaces.create("wa", "A", now());
      await store.scope("tb").workspaces.create("wb", "B", now());
    });
    afterEach(async () => t.cleanup());

    const newRun = (id: string, ws = "wa") => ({
      id,
      workspaceId: ws,
      workflow: "wf",
      workflowVersion: "sha256:1",
      agent: "bot",
      actingAs: "service",
      labels: { env: "test" },
      traceId: "0af7651916cd43dd8448eb211c80319c",
      startedBy: "key_1",
      startedAt: now(),
      deadlineAt: null,
    });

    it("refuses a scope without a tenant", () => {
      expect(() => store.scope("")).toThrow(/tenant/);
    });

    it("keeps tenants apart: one tenant's scope never sees another's rows", async () => {
      await store.scope("ta").runs.create(newRun("run_a"));
      expect(await store.scope("tb").runs.get("run_a")).toBeUndefined();
      expect(await store.scope("ta").runs.get("run_a")).toMatchObject({ id: "run_a", labels: { env: "test" } });
      expect(await store.scope("tb").workspaces.get("wa")).toBeUndefined();
      expect(await store.workspaceTenant("wa")).toBe("ta");
    });

    it("reserves tool calls atomically up to the cap, also in parallel", async () => {
      const s = store.scope("ta");
      await s.runs.create(newRun("run_b"));
      const results = await Promise.all(
        Array.from({ length: 30 }, () => store.transaction("ta", (x) => x.runs.reserveToolCall("run_b", 7))),
      );
      expect(results.filter(Boolean)).toHaveLength(7);
      expect((await s.runs.get("run_b"))?.toolCalls).toBe(7);
    });

    it("ends a run once and refuses reservations afterwards", async () => {
      const s = store.scope("ta");
      await s.runs.create(newRun("run_c"));
      expect(await s.runs.end("run_c", "stopped", now(), { stopReason: "budget_exceeded" })).toBe(true);
      expect(await s.runs.end("run_c", "succeeded", now())).toBe(false);
      expect(await s.runs.reserveToolCall("run_c", undefined)).toBe(false);
      expect((await s.runs.get("run_c"))?.stopReason).toBe("budget_exceeded");
    });

    it("stores tool calls, counts repeats and moves status with compare-and-set", async () => {
      const s = store.scope("ta");
      await s.runs.create(newRun("run_d"));
      const base = {
        workspaceId: "wa",
        runId: "run_d",
        tool: "tracker.search_issues",
        class: "READ",
        args: { q: "x" },
        argsSealed: null,
        argsHash: "h1",
        decision: "allow",
        rules: [],
        reason: "default",
        approvalId: null,
        idempotencyKey: null,
        requestedBy: "key_1",
        createdAt: now(),
        startedAt: null,
      };
      await s.toolCalls.insert({ ...base, id: "call_1", status: "executing" });
      await s.toolCalls.insert({ ...base, id: "call_2", status: "executing" });
      expect(await s.toolCalls.countRepeats("run_d", "tracker.search_issues", "h1")).toBe(2);
      expect(await s.toolCalls.update("call_1", { status: "succeeded", result: { ok: 1 } }, "executing")).toBe(true);
      expect(await s.toolCalls.update("call_1", { status: "failed" }, "executing")).toBe(false);
      expect(await s.toolCalls.get("call_1")).toMatchObject({ status: "succeeded", result: { ok: 1 } });
      expect((await store.findCallsInStatus("executing")).map((c) => c.id)).toEqual(["call_2"]);
      await s.toolCalls.insert({ ...base, id: "call_5", status: "approved" });
      expect((await store.findCallsInStatus("approved")).map((c) => c.id)).toEqual(["call_5"]);
      await s.toolCalls.insert({ ...base, id: "call_3", status: "succeeded", idempotencyKey: "k1" });
      expect((await s.toolCalls.findByIdempotencyKey("run_d", "k1"))?.id).toBe("call_3");
      await expect(
        s.toolCalls.insert({ ...base, id: "call_4", status: "succeeded", idempotencyKey: "k1" }),
      ).rejects.toThrow();
    });

    it("reserves a tool call with its row: the row is written only when the reservation is taken", async () => {
      const s = store.scope("ta");
      await s.runs.create(newRun("run_r"));
      const call = (id: string) => ({
        id,
        workspaceId: "wa",
        runId: "run_r",
        tool: "tracker.search_issues",
        class: "READ",
        args: { q: 'it\'s "quoted"' },
        argsSealed: null,
        argsHash: "h1",
        decision: "allow",
        rules: ["r1"],
        reason: "default",
        status: "executing" as const,
        approvalId: null,
        idempotencyKey: `k-${id}`,
        requestedBy: "key_1",
        createdAt: now(),
        startedAt: now(),
        actingAs: "user:ana",
      });
      const taken = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.transaction("ta", (x) => x.toolCalls.insertReserving(call(`call_r${i}`), 4)),
        ),
      );
      expect(taken.filter(Boolean)).toHaveLength(4);
      expect((await s.runs.get("run_r"))?.toolCalls).toBe(4);
      const written = (await Promise.all(taken.map((_, i) => s.toolCalls.get(`call_r${i}`)))).filter(Boolean);
      expect(written).toHaveLength(4);
      expect(written[0]).toMatchObject({
        args: { q: 'it\'s "quoted"' },
        rules: ["r1"],
        status: "executing",
        idempotencyKey: `k-${written[0]?.id}`,
        result: null,
        error: null,
        attempts: 0,
        finishedAt: null,
        actingAs: "user:ana",
        tenantId: "ta",
      });
      // uncapped, and a run that has ended: nothing reserved, nothing written
      expect(await s.toolCalls.insertReserving({ ...call("call_u"), idempotencyKey: null }, undefined)).toBe(true);
      await s.runs.end("run_r", "stopped", now());
      expect(await s.toolCalls.insertReserving({ ...call("call_e"), idempotencyKey: null }, undefined)).toBe(false);
      expect(await s.toolCalls.get("call_e")).toBeUndefined();
      expect((await s.runs.get("run_r"))?.toolCalls).toBe(5);
      if (store.dialect === "postgres") {
        // one round trip: the reservation rides in the INSERT's WITH clause
        const query = vi.spyOn(pg.Client.prototype, "query");
        await s.runs.create(newRun("run_one"));
        const sent = await store.db.transaction().execute(async (trx) => {
          const before = query.mock.calls.length;
          const ok = await new TenantScope(trx, "ta").toolCalls.insertReserving(
            { ...call("call_one"), runId: "run_one", idempotencyKey: null },
            undefined,
          );
          return ok && query.mock.calls.length - before;
        });
        query.mockRestore();
        expect(sent).toBe(1);
      }
      // another tenant's run is not reserved from here
      expect(
        await store.scope("tb").toolCalls.insertReserving({ ...call("call_t"), idempotencyKey: null }, undefined),
      ).toBe(false);
    });

    it("decides an approval only once", async () => {
      const s = store.scope("ta");
      await s.approvals.insert({
        id: "apr_1",
        workspaceId: "wa",
        runId: "r",
        callId: "c",
        argsHash: "h",
        requestedBy: "k",
        expiresAt: now(),
        createdAt: now(),
      });
      const d = {
        status: "approved" as const,
        decidedBy: "key_2",
        decidedByName: "alice",
        decidedAt: now(),
        reason: "ok",
        channel: "api",
      };
      const both = await Promise.all([
        s.approvals.decide("apr_1", d),
        s.approvals.decide("apr_1", { ...d, status: "denied" }),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await s.approvals.list({ workspaceId: "wa", status: "pending" })).toHaveLength(0);
      expect(await store.scope("tb").approvals.get("apr_1")).toBeUndefined();
    });

    it("chains audit events per tenant, also under concurrent appends, and verification finds tampering", async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction("ta", (x) =>
            x.audit.append(
              [
                { type: "test.event", workspace: "wa", data: { i } },
                { type: "test.second", workspace: "wa" },
              ],
              now(),
            ),
          ),
        ),
      );
      await store.transaction("tb", (x) => x.audit.append([{ type: "other.tenant", workspace: "wb" }], now()));
      const events: Awaited<ReturnType<ReturnType<Store["scope"]>["audit"]["list"]>> = [];
      for await (const e of store.scope("ta").audit.iterate(7)) events.push(e);
      expect(events).toHaveLength(40);
      expect(verifyChain(events)).toEqual({ ok: true, checked: 40 });
      const tb = await store.scope("tb").audit.list({});
      expect(tb.map((e) => e.seq)).toEqual([1]);

      await store.db
        .updateTable("audit_events")
        .set({ data: '{"i":999}' })
        .where("tenant_id", "=", "ta")
        .where("seq", "=", 11)
        .execute();
      const tampered = [];
      for await (const e of store.scope("ta").audit.iterate()) tampered.push(e);
      expect(verifyChain(tampered)).toMatchObject({ ok: false, firstBadSeq: 11 });
    });

    it("links every append to the chain's true head when its remembered head is stale", async () => {
      const append = (type: string) =>
        store.transaction("ta", (x) => x.audit.append([{ type, workspace: "wa" }], now()));
      await append("first");
      // written as another process would: the store's remembered head is now one behind
      await store.db
        .transaction()
        .execute((trx) => new TenantScope(trx, "ta").audit.append([{ type: "elsewhere", workspace: "wa" }], now()));
      await append("after.elsewhere");
      await expect(
        store.transaction("ta", async (x) => {
          await x.audit.append([{ type: "rolled.back", workspace: "wa" }], now());
          throw new Error("rolls back");
        }),
      ).rejects.toThrow("rolls back");
      await append("after.rollback");
      const events = await store.scope("ta").audit.list({});
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [1, "first"],
        [2, "elsewhere"],
        [3, "after.elsewhere"],
        [4, "after.rollback"],
      ]);
      expect(verifyChain(events)).toEqual({ ok: true, checked: 4 });
      expect(await store.scope("ta").audit.head()).toEqual({ seq: 4, hash: events[3]?.hash });
    });

    it("appends after a remembered head without reserving the head row first", async () => {
      // rows the append wrote (SQLite) or head row updates (PostgreSQL) within its transaction
      const writes = (trx: typeof store.db) =>
        store.dialect === "sqlite"
          ? sql<{ n: number }>`select total_changes() as n`.execute(trx)
          : sql<{
              n: number;
            }>`select n_tup_upd as n from pg_stat_xact_user_tables where relid = 'audit_heads'::regclass`.execute(trx);
      const statements = (hints: HeadHints) =>
        store.db.transaction().execute(async (trx) => {
          const before = Number((await writes(trx)).rows[0]?.n ?? 0);
          await new TenantScope(trx, "ta", undefined, hints).audit.append([{ type: "e", workspace: "wa" }], now());
          return Number((await writes(trx)).rows[0]?.n ?? 0) - before;
        });
      await statements(new HeadHints()); // creates the head row
      const remembered = new HeadHints();
      const reserved = await statements(remembered); // nothing remembered yet: reserves the row first
      expect(await statements(remembered)).toBe(reserved - 1);
      expect(remembered.get("ta")?.seq).toBe(3);
      expect(verifyChain(await store.scope("ta").audit.list({}))).toEqual({ ok: true, checked: 3 });
    });

    it("pages audit events by cursor and filters by run", async () => {
      await store.transaction("ta", (x) =>
        x.audit.append(
          Array.from({ length: 5 }, (_, i) => ({ type: "e", workspace: "wa", run: i % 2 ? "r1" : "r2" })),
          now(),
        ),
      );
      const s = store.scope("ta");
      const first = await s.audit.list({ workspaceId: "wa", limit: 2 });
      const next = await s.audit.list({ workspaceId: "wa", afterSeq: first[1]!.seq, limit: 10 });
      expect([...first, ...next].map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect((await s.audit.list({ runId: "r1" })).map((e) => e.seq)).toEqual([2, 4]);
    });

    it("keeps workflow versions and the active one", async () => {
      const s = store.scope("ta");
      const v = { workspaceId: "wa", name: "wf", source: "x", createdAt: now(), createdBy: "k" };
      expect(await s.workflows.putVersion({ ...v, version: "v1", manifest: { a: 1 } })).toBe(true);
      expect(await s.workflows.putVersion({ ...v, version: "v2", manifest: { a: 2 } })).toBe(true);
      expect((await s.workflows.getActive("wa", "wf"))?.version).toBe("v2");
      expect(await s.workflows.putVersion({ ...v, version: "v1", manifest: { a: 1 } })).toBe(false);
      expect((await s.workflows.getActive("wa", "wf"))?.manifest).toEqual({ a: 1 });
      expect(await store.scope("tb").workflows.getActive("wa", "wf")).toBeUndefined();
    });

    it("stores secrets per tenant and workspace", async () => {
      await store.scope("ta").secrets.put("wa", "token", "cipher1", now());
      await store.scope("ta").secrets.put("wa", "token", "cipher2", now());
      expect(await store.scope("ta").secrets.get("wa", "token")).toBe("cipher2");
      expect(await store.scope("tb").secrets.get("wa", "token")).toBeUndefined();
    });

    it("rolls back a failed transaction whole", async () => {
      await expect(
        store.transaction("ta", async (x) => {
          await x.runs.create(newRun("run_rb"));
          await x.audit.append([{ type: "e" }], now());
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await store.scope("ta").runs.get("run_rb")).toBeUndefined();
      expect(await store.scope("ta").audit.list({})).toHaveLength(0);
    });
  });
  auditExportContract(name, make);
  identityContract(name, make);
  approvalsContract(name, make);
  modelsContract(name, make);
  changeControlContract(name, make);
  dataHandlingContract(name, make);
}
