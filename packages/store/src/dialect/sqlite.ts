import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { type CheckpointerOptions, startCheckpointer } from "./checkpointer.js";
import { GroupCommitSqliteDialect, type SqliteConnectionSource } from "./group-commit.js";

/**
 * The embedded store: one SQLite file in WAL mode. `synchronous=NORMAL` keeps every committed
 * transaction across a process crash (kill -9); only an operating-system crash or power loss can
 * drop the last commits. docs/operations.md says so.
 */
export function sqliteDialect(file: string, checkpoints: CheckpointerOptions = {}): GroupCommitSqliteDialect {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const database = new BetterSqlite3(file);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("busy_timeout = 5000");
  database.pragma("foreign_keys = ON");
  // savepoints of a commit group journal the pages earlier members wrote: in memory, never in
  // temporary files (SQLite spills them to disk past 64 KiB otherwise)
  database.pragma("temp_store = MEMORY");
  const source = withStatementCache(database);
  let stopCheckpointer = async () => {};
  const dialect = new GroupCommitSqliteDialect({
    ...source,
    async close() {
      await stopCheckpointer();
      await source.close();
    },
  });
  if (file !== ":memory:")
    stopCheckpointer = startCheckpointer(database, file, (fn) => dialect.quietly(fn), checkpoints);
  return dialect;
}

const maxCachedStatements = 1000;

/**
 * Kysely prepares every query anew; preparing is a good part of a query's cost on SQLite. The
 * same SQL text (the parameters are bound separately) reuses its prepared statement. A statement
 * that is busy (an open iterator) is never handed out twice. Least recently used ones go first.
 */
export function withStatementCache(db: BetterSqlite3.Database): SqliteConnectionSource {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    raw: db,
    close: async () => {
      db.close();
    },
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > maxCachedStatements) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
  };
}
