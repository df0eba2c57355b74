import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../src/index.js";
import { sqliteTestStore, type TestStore } from "./stores.js";

const now = () => new Date().toISOString();

/**
 * Migration 010: the status index holds only calls a restart must look at, and the queries it and
 * the audit workspace index serve still use them (SQLite proves a query is within a partial
 * index only for some shapes of its WHERE: an OR of equalities, not an IN list).
 */
describe("narrower hot-path indexes (SQLite)", () => {
  let t: TestStore;
  let store: Store;
  beforeEach(async () => {
    t = await sqliteTestStore();
    store = t.store;
    await store.createTenant({ id: "ta", name: "ta", wrappedKey: "k", createdAt: now() });
  });
  afterEach(async () => t.cleanup());

  const plan = async (query: string) =>
    (await sql.raw<{ detail: string }>(`explain query plan ${query}`).execute(store.db)).rows.map((r) => r.detail);

  it("the status index holds only the executing and approved calls start-up recovery reads", async () => {
    expect(await plan(`select * from "tool_calls" where "status" = 'executing'`)).toEqual([
      expect.stringContaining("USING INDEX tool_calls_status"),
    ]);
    expect(await plan(`select * from "tool_calls" where "status" = 'approved'`)).toEqual([
      expect.stringContaining("USING INDEX tool_calls_status"),
    ]);
    // finished calls are not in it: a call leaves the index with its outcome
    expect(await plan(`select * from "tool_calls" where "status" = 'succeeded'`)).toEqual(["SCAN tool_calls"]);
  });

  it("start-up recovery finds tenants with executing model calls through their partial index (migration 011)", async () => {
    const compiled = store.db
      .selectFrom("model_calls")
      .select("tenant_id")
      .distinct()
      .where("status", "=", sql.lit("executing"))
      .compile();
    expect(compiled.sql).toContain(`"status" = 'executing'`);
    expect(await plan(compiled.sql)).toEqual([expect.stringContaining("USING COVERING INDEX model_calls_executing")]);
    const perTenant = store.db
      .selectFrom("model_calls")
      .selectAll()
      .where("tenant_id", "=", "ta")
      .where("status", "=", sql.lit("executing"))
      .compile();
    expect(await plan(perTenant.sql.replace("?", "'ta'"))).toEqual([
      expect.stringContaining("USING INDEX model_calls_executing"),
    ]);
    expect(await plan(`select "tenant_id" from "model_calls" where "status" = 'succeeded'`)).toEqual([
      "SCAN model_calls",
    ]);
  });

  it("the retention job's first event at or after a time walks the workspace index in seq order", async () => {
    for (const ws of [`"workspace_id" = 'wa'`, `"workspace_id" is null`]) {
      expect(
        await plan(
          `select "seq" from "audit_events" where "tenant_id" = 'ta' and ${ws} and "ts" >= '2026' order by "seq" limit 1`,
        ),
      ).toEqual([expect.stringContaining("USING INDEX audit_events_ws")]);
    }
  });
});
