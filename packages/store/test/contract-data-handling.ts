import { verifyChain } from "@tollgate/core";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Store, tenantTables } from "../src/index.js";
import type { TestStore } from "./stores.js";

const t0 = "2026-03-01T10:00:00.000Z";
const later = (s: number) => new Date(Date.parse(t0) + s * 1000).toISOString();

/** Retention settings, legal holds, purges and tenant deletion: the same on every dialect. */
export function dataHandlingContract(name: string, make: () => Promise<TestStore>): void {
  describe(`data handling store on ${name}`, () => {
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

    const run = async (tenant: string, ws: string, id: string, endedAt: string | null) => {
      const s = store.scope(tenant);
      await s.runs.create({
        id,
        workspaceId: ws,
        workflow: "wf",
        workflowVersion: "sha256:1",
        agent: null,
        actingAs: null,
        labels: {},
        traceId: "0af7651916cd43dd8448eb211c80319c",
        startedBy: "key_1",
        startedAt: t0,
        deadlineAt: null,
      });
      await s.toolCalls.insert({
        id: `call_${id}`,
        workspaceId: ws,
        runId: id,
        tool: "tracker.create_issue",
        class: "WRITE",
        args: { title: "secret title" },
        argsSealed: "v1:sealed",
        argsHash: "h",
        decision: "allow",
        rules: ["r1"],
        reason: "default",
        status: "executing",
        approvalId: null,
        idempotencyKey: null,
        requestedBy: "key_1",
        createdAt: t0,
        startedAt: t0,
      });
      await s.toolCalls.update(`call_${id}`, {
        status: "failed",
        result: { body: "x" },
        error: { code: "upstream_failed", message: "boom with data" },
      });
      if (endedAt) await s.runs.end(id, "succeeded", endedAt);
    };

    it("stores retention settings and holds per tenant", async () => {
      const a = store.scope("ta").retention;
      await a.putSettings({
        workspaceId: "wa",
        runs: "90d",
        payloads: "7d",
        audit: null,
        updatedAt: t0,
        updatedBy: "k",
      });
      await a.putSettings({
        workspaceId: "wa",
        runs: "30d",
        payloads: "7d",
        audit: "1d",
        updatedAt: t0,
        updatedBy: "k",
      });
      expect(await a.settings("wa")).toMatchObject({ runs: "30d", payloads: "7d", audit: "1d" });
      expect(await store.scope("tb").retention.settings("wa")).toBeUndefined();
      await a.addHold({
        id: "lh_1",
        workspaceId: "wa",
        runId: "run_1",
        reason: "case 7",
        createdBy: "k",
        createdAt: t0,
      });
      expect(await a.heldRunIds()).toEqual(["run_1"]);
      expect(await store.scope("tb").retention.releaseHold("wa", "lh_1", "k", t0)).toBe(false);
      expect(await a.releaseHold("wa", "lh_1", "k2", later(1))).toBe(true);
      expect(await a.releaseHold("wa", "lh_1", "k2", later(1))).toBe(false);
      expect(await a.holds("wa", true)).toEqual([]);
      expect(await a.holds("wa", false)).toMatchObject([{ id: "lh_1", releasedBy: "k2", reason: "case 7" }]);
    });

    it("purges payloads in place, keeping the decision record; finds ended runs past a time", async () => {
      await run("ta", "wa", "run_1", later(10));
      await run("ta", "wa", "run_2", null);
      await run("tb", "wb", "run_3", later(10));
      const a = store.scope("ta").retention;
      expect(await a.runsPast("payloads", "wa", "wf", later(5), [], 10)).toEqual([]);
      expect((await a.runsPast("payloads", "wa", "wf", later(20), [], 10)).map((r) => r.id)).toEqual(["run_1"]);
      expect(await a.runsPast("payloads", "wa", "wf", later(20), ["run_1"], 10)).toEqual([]);
      expect(await a.purgePayloads(["run_1", "run_3"], later(30))).toMatchObject({ runs: 1, toolCalls: 1 });
      expect(await store.scope("ta").toolCalls.get("call_run_1")).toMatchObject({
        args: "[purged]",
        argsSealed: null,
        result: "[purged]",
        error: { code: "upstream_failed", message: "[purged]" },
        decision: "allow",
        rules: ["r1"],
        status: "failed",
      });
      expect(await store.scope("tb").toolCalls.get("call_run_3")).toMatchObject({ args: { title: "secret title" } });
      expect(await a.runsPast("payloads", "wa", "wf", later(20), [], 10)).toEqual([]);
      expect((await a.runsPast("runs", "wa", "wf", later(20), [], 10)).map((r) => r.id)).toEqual(["run_1"]);
      // an alert of the run and its queued delivery go with it
      const s = store.scope("ta");
      await s.alerts.insert({
        id: "alr_1",
        workspaceId: "wa",
        kind: "k",
        severity: "warning",
        runId: "run_1",
        message: "m",
        data: {},
        dedupeKey: null,
        createdAt: t0,
        delivery: "pending",
      });
      await s.notifications.enqueue([
        {
          id: "ntf_a",
          workspaceId: "wa",
          channel: "h",
          event: "alert.raised",
          subjectId: "alr_1",
          nextAttemptAt: t0,
          createdAt: t0,
        },
      ]);
      expect(await a.deleteRuns(["run_1", "run_3"])).toMatchObject({ runs: 1, toolCalls: 1 });
      expect(await s.alerts.get("alr_1")).toBeUndefined();
      expect(await s.notifications.get("ntf_a")).toBeUndefined();
      expect(await store.scope("ta").runs.get("run_1")).toBeUndefined();
      expect(await store.scope("tb").runs.get("run_3")).toBeDefined();
    });

    it("finds a scope's first audit event at or after a time, in chain order", async () => {
      // an attempt's event carries the time it failed, earlier than the events around it
      const times = [t0, later(10), later(5), later(20), later(30)];
      await store.transaction("ta", (s) =>
        s.audit.append(
          times.map((ts, i) => ({ type: "x", workspace: i === 3 ? null : "wa", ts, data: { i } })),
          t0,
        ),
      );
      const a = store.scope("ta").retention;
      expect(await a.firstAuditSeq("wa", later(1))).toBe(2);
      expect(await a.firstAuditSeq("wa", later(11))).toBe(5);
      expect(await a.firstAuditSeq("wa", later(31))).toBeUndefined();
      expect(await a.firstAuditSeq(null, later(1))).toBe(4);
      expect(await a.firstAuditSeq(null, later(21))).toBeUndefined();
      expect(await store.scope("tb").retention.firstAuditSeq("wa", undefined)).toBeUndefined();
    });

    it("deletes a prefix of the audit chain; the rest verifies from the last deleted row", async () => {
      await store.transaction("ta", (s) =>
        s.audit.append(
          [1, 2, 3, 4].map((i) => ({ type: "x", workspace: i === 1 ? null : "wa", data: { i } })),
          t0,
        ),
      );
      const a = store.scope("ta").retention;
      expect(await a.firstAuditSeq("wa", undefined)).toBe(2);
      expect(await a.firstAuditSeq(null, undefined)).toBe(1);
      expect(await a.countAuditUpTo(2)).toEqual({ "": 1, wa: 1 });
      const anchor = await a.auditEventAt(2);
      expect(await a.deleteAuditUpTo(2)).toBe(2);
      expect(await a.firstStoredSeq()).toBe(3);
      const rest = [];
      for await (const e of store.scope("ta").audit.iterate()) rest.push(e);
      expect(verifyChain(rest, { seq: 2, hash: anchor!.hash })).toMatchObject({ ok: true, checked: 2 });
    });

    it("exports and deletes every row of one tenant, and only that tenant", async () => {
      await run("ta", "wa", "run_1", later(10));
      await run("tb", "wb", "run_3", later(10));
      await store.scope("ta").secrets.put("wa", "tok", "v1:cipher", t0);
      const rows = [];
      for await (const r of store.scope("ta").tenantData.rows()) rows.push(r);
      expect(rows[0]).toEqual({ table: "tenants", row: { id: "ta", name: "ta", created_at: t0 } });
      expect(rows.map((r) => r.table)).toEqual(expect.arrayContaining(["runs", "tool_calls", "secrets", "workspaces"]));
      expect(rows.every((r) => r.table === "tenants" || r.row.tenant_id === "ta")).toBe(true);
      const counts = await store.scope("ta").tenantData.deleteAll();
      expect(counts).toMatchObject({ tenants: 1, runs: 1, secrets: 1, workspaces: 1 });
      expect(await store.getTenant("ta")).toBeUndefined();
      for (const table of tenantTables) {
        const left = await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("tenant_id", "=", "ta")
          .executeTakeFirstOrThrow();
        expect(Number(left.n), table).toBe(0);
      }
      expect(await store.scope("tb").runs.get("run_3")).toBeDefined();
    });

    it("knows every table that holds tenant rows", async () => {
      const tables =
        store.dialect === "sqlite"
          ? (
              await sql<{ name: string }>`select m.name from sqlite_master m, pragma_table_info(m.name) p
                where m.type = 'table' and p.name = 'tenant_id'`.execute(store.db)
            ).rows.map((r) => r.name)
          : (
              await sql<{ name: string }>`select table_name as name from information_schema.columns
                where column_name = 'tenant_id' and table_schema = current_schema()`.execute(store.db)
            ).rows.map((r) => r.name);
      expect([...tables].sort()).toEqual([...tenantTables].sort());
    });
  });
}
