import { CompiledQuery, type QueryExecutor, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../src/index.js";
import { sqliteTestStore, type TestStore } from "./stores.js";

const now = () => new Date().toISOString();

/**
 * Migrations 010 and 011: the partial status indexes hold only calls a restart must look at, and
 * the queries they and the audit workspace index serve use them (SQLite proves a query is within
 * a partial index only for some shapes of its WHERE: an OR of equalities, not an IN list). Each
 * plan is of the statement the store itself runs, with its parameters, caught on its way to the
 * database, so a change to the query that loses the index fails here.
 */
describe("hot-path indexes (SQLite)", () => {
  let t: TestStore;
  let store: Store;
  beforeEach(async () => {
    t = await sqliteTestStore();
    store = t.store;
    await store.createTenant({ id: "ta", name: "ta", wrappedKey: "k", createdAt: now() });
  });
  afterEach(async () => t.cleanup());

  /** The query plans of the statements `fn` runs through the store's Kysely. */
  const plansOf = async (fn: () => Promise<unknown>): Promise<string[][]> => {
    const executor = store.db.getExecutor() as QueryExecutor & { executeQuery: QueryExecutor["executeQuery"] };
    const caught: CompiledQuery[] = [];
    const original = executor.executeQuery;
    executor.executeQuery = (query, ...rest) => {
      caught.push(query);
      return original.call(executor, query, ...rest);
    };
    try {
      await fn();
    } finally {
      executor.executeQuery = original;
    }
    expect(caught.length).toBeGreaterThan(0);
    const plans: string[][] = [];
    for (const q of caught) {
      const r = await store.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
      );
      plans.push(r.rows.map((row) => row.detail));
    }
    return plans;
  };
  const plan = async (query: string) =>
    (await sql.raw<{ detail: string }>(`explain query plan ${query}`).execute(store.db)).rows.map((r) => r.detail);

  it("start-up recovery reads executing and approved calls through the status index, which holds only those", async () => {
    for (const status of ["executing", "approved"] as const) {
      expect(await plansOf(() => store.findCallsInStatus(status))).toEqual([
        [expect.stringContaining("USING INDEX tool_calls_status")],
      ]);
    }
    // finished calls are not in it: a call leaves the index with its outcome
    expect(await plan(`select * from "tool_calls" where "status" = 'succeeded'`)).toEqual(["SCAN tool_calls"]);
  });

  it("start-up recovery finds executing model calls through their partial index (migration 011)", async () => {
    expect(await plansOf(() => store.tenantsWithExecutingModelCalls())).toEqual([
      [expect.stringContaining("USING COVERING INDEX model_calls_executing")],
    ]);
    expect(await plansOf(() => store.scope("ta").modelCalls.listExecuting())).toEqual([
      [expect.stringContaining("USING INDEX model_calls_executing")],
    ]);
    expect(await plan(`select "tenant_id" from "model_calls" where "status" = 'succeeded'`)).toEqual([
      "SCAN model_calls",
    ]);
  });

  it("the retention job's first event at or after a time walks the workspace index in seq order", async () => {
    for (const workspace of ["wa", null]) {
      expect(await plansOf(() => store.scope("ta").retention.firstAuditSeq(workspace, "2026"))).toEqual([
        [expect.stringContaining("USING INDEX audit_events_ws")],
      ]);
    }
  });
});
