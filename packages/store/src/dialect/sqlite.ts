import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { SqliteDialect } from "kysely";

/**
 * The embedded store: one SQLite file in WAL mode. `synchronous=NORMAL` keeps every committed
 * transaction across a process crash (kill -9); only an operating-system crash or power loss can
 * drop the last commits. docs/operations.md says so.
 */
export function sqliteDialect(file: string): SqliteDialect {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const database = new BetterSqlite3(file);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("busy_timeout = 5000");
  database.pragma("foreign_keys = ON");
  return new SqliteDialect({ database });
}
