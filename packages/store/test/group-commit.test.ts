import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GroupCommitSqliteDialect } from "../src/dialect/group-commit.js";
import { withStatementCache } from "../src/dialect/sqlite.js";

interface Db {
  parents: { id: string };
  items: { id: string; parent: string | null };
}

describe("group commit on the embedded store", () => {
  let dir: string;
  let file: string;
  let db: Kysely<Db>;
  let commits: number;
  let savepoints: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-group-commit-"));
    file = join(dir, "t.db");
    const raw = new BetterSqlite3(file);
    raw.pragma("journal_mode = WAL");
    raw.pragma("foreign_keys = ON");
    const cached = withStatementCache(raw);
    commits = 0;
    savepoints = 0;
    const counting = {
      raw,
      close: cached.close,
      prepare(text: string) {
        if (text === "commit") commits++;
        if (text.startsWith("savepoint")) savepoints++;
        return cached.prepare(text);
      },
    };
    db = new Kysely<Db>({ dialect: new GroupCommitSqliteDialect(counting) });
    await sql`create table parents (id text primary key)`.execute(db);
    // a deferred foreign key is checked at COMMIT: the way to make a COMMIT fail on purpose
    await sql`create table items (id text primary key, parent text references parents(id) deferrable initially deferred)`.execute(
      db,
    );
    commits = 0;
    savepoints = 0;
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What another connection sees: only what was committed. */
  function committedIds(): string[] {
    const other = new BetterSqlite3(file, { readonly: true });
    try {
      return (other.prepare("select id from items order by id").all() as { id: string }[]).map((r) => r.id);
    } finally {
      other.close();
    }
  }

  const insert = (id: string, parent: string | null = null) =>
    db.transaction().execute((trx) => trx.insertInto("items").values({ id, parent }).execute());

  it("commits transactions that arrive together with one COMMIT, and each resolves only once committed", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `i${String(i).padStart(2, "0")}`);
    await Promise.all(
      ids.map(async (id) => {
        await insert(id);
        expect(committedIds()).toContain(id);
      }),
    );
    expect(committedIds()).toEqual(ids);
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(5);
  });

  it("rolls back only the transaction that failed, not the others of its group", async () => {
    const results = await Promise.allSettled([
      insert("a"),
      db.transaction().execute(async (trx) => {
        await trx.insertInto("items").values({ id: "b", parent: null }).execute();
        throw new Error("changed my mind");
      }),
      insert("c"),
      insert("a"), // duplicate key: fails alone
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected"]);
    expect(committedIds()).toEqual(["a", "c"]);
  });

  it("takes no savepoint for the transaction that opens a group, one for each later member", async () => {
    await insert("alone");
    expect(savepoints).toBe(0);
    await Promise.all([insert("g1"), insert("g2"), insert("g3")]);
    expect(savepoints).toBe(2);
    expect(committedIds()).toEqual(["alone", "g1", "g2", "g3"]);
  });

  it("rolls back only the transaction that opened a group when it fails, and its group goes on", async () => {
    const results = await Promise.allSettled([
      db.transaction().execute(async (trx) => {
        await trx.insertInto("items").values({ id: "first", parent: null }).execute();
        throw new Error("changed my mind");
      }),
      insert("second"),
      insert("second"), // duplicate key: fails alone, after the group has a member that committed
      insert("third"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "rejected", "fulfilled"]);
    expect(committedIds()).toEqual(["second", "third"]);
    await db.insertInto("items").values({ id: "plain", parent: null }).execute();
    expect(committedIds()).toEqual(["plain", "second", "third"]);
  });

  it("fails every transaction of a group whose COMMIT fails, and the next group works", async () => {
    const results = await Promise.allSettled([insert("x"), insert("y", "no-such-parent"), insert("z")]);
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(committedIds()).toEqual([]);
    await insert("after");
    expect(committedIds()).toEqual(["after"]);
  });

  it("a plain write made while a group is open resolves only once that group commits", async () => {
    const pending = insert("in-group");
    await Promise.resolve();
    await db.insertInto("items").values({ id: "plain", parent: null }).execute();
    expect(committedIds()).toContain("plain");
    await pending;
    expect(committedIds()).toEqual(["in-group", "plain"]);
  });
});
