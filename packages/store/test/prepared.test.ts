import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepared } from "../src/prepared.js";
import type { TenantScope } from "../src/store.js";
import { sqliteTestStore, type TestStore } from "./stores.js";

describe("prepared hot-path queries", () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await sqliteTestStore();
    for (const id of ["a", "b"])
      await t.store.createTenant({ id, name: `tenant ${id}`, wrappedKey: "-", createdAt: "2026-01-01T00:00:00Z" });
  });
  afterEach(async () => t.cleanup());

  const nameOf = (id: string) =>
    prepared<{ name: string }>(t.store.db, "test.tenantName", [id], (db, [i]) =>
      db.selectFrom("tenants").select("name").where("id", "=", i).where("wrapped_key", "=", "-"),
    ).then((r) => r.rows[0]?.name);

  it("binds each use's values into the query compiled once, keeping the query's own constants", async () => {
    expect(await nameOf("a")).toBe("tenant a");
    expect(await nameOf("b")).toBe("tenant b");
    expect(await nameOf("nobody")).toBeUndefined();
  });

  it("refuses a query that does not bind every value it was given", async () => {
    await expect(
      prepared(t.store.db, "test.dropsAValue", ["a", "b"], (db, [i]) =>
        db.selectFrom("tenants").select("name").where("id", "=", i),
      ),
    ).rejects.toThrow(/binds 1 of its 2 values/);
  });

  it("runs a store transaction's statements on its own connection, and none once it has ended", async () => {
    let kept: TenantScope | undefined;
    const inside = await t.store.transaction("a", async (s) => {
      kept = s;
      return s.runs.get("run_nobody");
    });
    expect(inside).toBeUndefined();
    // the statement would otherwise run outside any transaction, on the connection it was bound to
    await expect((kept as TenantScope).runs.get("run_nobody")).rejects.toThrow(/already ended/);
  });
});
