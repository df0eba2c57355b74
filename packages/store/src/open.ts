import { EventEmitter } from "node:events";
import { join } from "node:path";
import { Kysely, Migrator, sql } from "kysely";
import { sqliteDialect } from "./dialect/sqlite.js";
import { noNotifications, postgresNotifications } from "./dialect/notifications.js";
import { postgresPool, TenantConnections } from "./dialect/postgres.js";
import { migrationProvider } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { type RowSecurity, Store, type StoreDiagnostics } from "./store.js";

export interface OpenStoreOptions {
  /** postgres://… ; when absent the embedded SQLite store is used. */
  databaseUrl?: string;
  /** Directory of the SQLite file (`tollgate.db`). */
  dataDir?: string;
  /** A SQLite file path, or ":memory:". Overrides dataDir. */
  sqliteFile?: string;
  /** PostgreSQL schema (tests). */
  schema?: string;
  /**
   * PostgreSQL: a role to serve as, one that neither owns the tables nor bypasses row-level
   * security. Migrations run as the URL's user, which is granted nothing new; the role is granted
   * SELECT, INSERT, UPDATE and DELETE on the schema's tables, then every serving connection acts as
   * it (`SET ROLE`). Without one the URL's user serves, and row-level security binds it unless it
   * is a superuser or has BYPASSRLS (see `Store.rowSecurity`).
   */
  databaseRole?: string;
  /** SQLite: pages the write-ahead log holds before it is started over (default 16,000, about 64 MB). */
  walRestartPages?: number;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const diagnostics: StoreDiagnostics = new EventEmitter();
  let db: Kysely<Database>;
  let dialect: "sqlite" | "postgres";
  let tenants: TenantConnections | undefined;
  if (opts.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
      throw new Error(`database URL must start with postgres:// (got ${opts.databaseUrl.split(":")[0]}:…)`);
    }
    if (opts.databaseRole !== undefined && !roleName.test(opts.databaseRole)) {
      throw new Error(
        `database role must be a plain PostgreSQL role name (letters, digits, _ and $; got ${JSON.stringify(opts.databaseRole)})`,
      );
    }
    tenants = new TenantConnections(
      postgresPool({ url: opts.databaseUrl, ...(opts.schema ? { schema: opts.schema } : {}) }),
    );
    db = tenants.system;
    dialect = "postgres";
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
  if (!tenants || !opts.databaseUrl) return new Store(db, dialect, noNotifications, diagnostics);
  if (opts.databaseRole !== undefined) {
    try {
      const schema = opts.schema ?? (await currentSchema(db));
      await grantServingRole(db, schema ?? "public", opts.databaseRole);
    } finally {
      await db.destroy();
    }
    tenants = new TenantConnections(
      postgresPool({
        url: opts.databaseUrl,
        role: opts.databaseRole,
        ...(opts.schema ? { schema: opts.schema } : {}),
      }),
    );
  }
  const serving = tenants.system;
  let rowSecurity: RowSecurity;
  try {
    rowSecurity = await servingRowSecurity(serving);
  } catch (e) {
    await serving.destroy();
    throw e;
  }
  const notifications = postgresNotifications(serving, opts.databaseUrl);
  return new Store(serving, dialect, notifications, diagnostics, tenants, rowSecurity);
}

/** A role name that needs no quoting, so it can go into `-c role=` and GRANT as it is. */
const roleName = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** What the serving role may do: rows of the schema's tables, nothing of their definitions. */
async function grantServingRole(db: Kysely<Database>, schema: string, role: string): Promise<void> {
  const exists = await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${role}`.execute(db);
  if (exists.rows[0]?.n !== 1) throw new Error(`database role ${role} does not exist (create it: CREATE ROLE ${role})`);
  await sql`grant usage on schema ${sql.id(schema)} to ${sql.id(role)}`.execute(db);
  await sql`grant select, insert, update, delete on all tables in schema ${sql.id(schema)} to ${sql.id(role)}`.execute(
    db,
  );
}

/** Whether row-level security binds the serving connections' role (a superuser or BYPASSRLS passes it). */
async function servingRowSecurity(db: Kysely<Database>): Promise<RowSecurity> {
  const { rows } = await sql<{ role: string; bypass: boolean }>`
    select current_user as role, (rolsuper or rolbypassrls) as bypass from pg_roles where rolname = current_user`.execute(
    db,
  );
  const row = rows[0];
  if (!row) throw new Error("cannot read the serving role from pg_roles");
  return { enforced: !row.bypass, role: row.role };
}

/** Where unqualified tables go on this connection (the first schema of its search path). */
async function currentSchema(db: Kysely<Database>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}
