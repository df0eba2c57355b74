import { EventEmitter } from "node:events";
import { join } from "node:path";
import { Kysely, Migrator, sql } from "kysely";
import { sqliteDialect } from "./dialect/sqlite.js";
import { type Notifications, noNotifications, postgresNotifications } from "./dialect/notifications.js";
import { postgresDialect } from "./dialect/postgres.js";
import { migrationProvider } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { Store, type StoreDiagnostics } from "./store.js";

export interface OpenStoreOptions {
  /** postgres://… ; when absent the embedded SQLite store is used. */
  databaseUrl?: string;
  /** Directory of the SQLite file (`tollgate.db`). */
  dataDir?: string;
  /** A SQLite file path, or ":memory:". Overrides dataDir. */
  sqliteFile?: string;
  /** PostgreSQL schema (tests). */
  schema?: string;
  /** SQLite: pages the write-ahead log holds before it is started over (default 16,000, about 64 MB). */
  walRestartPages?: number;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const diagnostics: StoreDiagnostics = new EventEmitter();
  let db: Kysely<Database>;
  let dialect: "sqlite" | "postgres";
  let notifications: Notifications = noNotifications;
  if (opts.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
      throw new Error(`database URL must start with postgres:// (got ${opts.databaseUrl.split(":")[0]}:…)`);
    }
    const { dialect: d } = postgresDialect({ url: opts.databaseUrl, ...(opts.schema ? { schema: opts.schema } : {}) });
    db = new Kysely<Database>({ dialect: d });
    dialect = "postgres";
    notifications = postgresNotifications(db, opts.databaseUrl);
    if (opts.schema) await db.schema.createSchema(opts.schema).ifNotExists().execute();
  } else {
    const file = opts.sqliteFile ?? join(opts.dataDir ?? ".tollgate", "tollgate.db");
    db = new Kysely<Database>({
      dialect: sqliteDialect(file, {
        ...(opts.walRestartPages ? { restartPages: opts.walRestartPages } : {}),
        onRestart: (holdMs) => diagnostics.emit("walRestart", holdMs),
      }),
    });
    dialect = "sqlite";
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    // Migrations are numbered by feature and may land out of order (003 before 002).
    allowUnorderedMigrations: true,
    // Named, because without a schema Kysely takes migration tables in any schema of the database
    // (another application's, or another Tollgate's) for its own and then fails to find them.
    ...(dialect === "postgres" ? { migrationTableSchema: opts.schema ?? (await currentSchema(db)) } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? ""} failed: ${(error as Error).message ?? String(error)}`);
  }
  return new Store(db, dialect, notifications, diagnostics);
}

/** Where unqualified tables go on this connection (the first schema of its search path). */
async function currentSchema(db: Kysely<Database>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}
