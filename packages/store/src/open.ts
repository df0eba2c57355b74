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
   * SELECT, INSERT, UPDATE and DELETE on Tollgate's tables (not the migrations'), then every
   * serving connection acts as it (`SET ROLE`). Without one the URL's user serves, and row-level
   * security binds it unless it is a superuser or has BYPASSRLS (see `Store.rowSecurity`).
   */
  databaseRole?: string;
  /** SQLite: pages the write-ahead log holds before it is started over (default 16,000, about 64 MB). */
  walRestartPages?: number;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openSqlite(opts);
}

async function openSqlite(opts: OpenStoreOptions): Promise<Store> {
  const diagnostics: StoreDiagnostics = new EventEmitter();
  const file = opts.sqliteFile ?? join(opts.dataDir ?? ".tollgate", "tollgate.db");
  const db = new Kysely<Database>({
    dialect: sqliteDialect(file, {
      ...(opts.walRestartPages ? { restartPages: opts.walRestartPages } : {}),
      onRestart: (holdMs) => diagnostics.emit("walRestart", holdMs),
    }),
  });
  await migrate(db, {});
  return new Store(db, "sqlite", noNotifications, diagnostics);
}

async function openPostgres(url: string, opts: OpenStoreOptions): Promise<Store> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`database URL must start with postgres:// (got ${url.split(":")[0]}:…)`);
  }
  const role = opts.databaseRole;
  if (role !== undefined && !roleName.test(role)) {
    throw new Error(
      `database role must be a plain PostgreSQL role name (letters, digits, _ and $; got ${JSON.stringify(role)})`,
    );
  }
  const pool = (as?: string) =>
    postgresPool({ url, ...(opts.schema ? { schema: opts.schema } : {}), ...(as ? { role: as } : {}) });
  // the URL's user makes the schema and migrates it; with a role, serving connections act as it
  let tenants = new TenantConnections(pool());
  const owner = tenants.system;
  try {
    if (opts.schema) await owner.schema.createSchema(opts.schema).ifNotExists().execute();
    const schema = opts.schema ?? (await currentSchema(owner)) ?? "public";
    await migrate(owner, { migrationTableSchema: schema });
    if (role !== undefined) {
      await grantServingRole(owner, schema, role);
      await owner.destroy();
      tenants = new TenantConnections(pool(role));
    }
  } catch (e) {
    await owner.destroy();
    throw e;
  }
  const serving = tenants.system;
  try {
    const rowSecurity = await servingRowSecurity(serving);
    return new Store(
      serving,
      "postgres",
      postgresNotifications(tenants.rowless, url),
      new EventEmitter(),
      tenants,
      rowSecurity,
    );
  } catch (e) {
    await serving.destroy();
    throw e;
  }
}

/** Runs every migration not run yet; on failure closes the database and names the migration. */
async function migrate(db: Kysely<Database>, opts: { migrationTableSchema?: string }): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    // Migrations are numbered by feature and may land out of order (003 before 002).
    allowUnorderedMigrations: true,
    // Named on PostgreSQL, because without a schema Kysely takes migration tables in any schema of
    // the database (another application's, or another Tollgate's) for its own and then fails to find them.
    ...opts,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? ""} failed: ${(error as Error).message ?? String(error)}`);
  }
}

/** A role name that needs no quoting, so it can go into `-c role=` and GRANT as it is. */
const roleName = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * What the serving role may do: read and write the rows of Tollgate's tables, nothing of their
 * definitions, and nothing of the migrations' own bookkeeping.
 */
async function grantServingRole(db: Kysely<Database>, schema: string, role: string): Promise<void> {
  const exists = await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${role}`.execute(db);
  if (exists.rows[0]?.n !== 1) throw new Error(`database role ${role} does not exist (create it: CREATE ROLE ${role})`);
  await sql`grant usage on schema ${sql.id(schema)} to ${sql.id(role)}`.execute(db);
  const { rows } = await sql<{ name: string }>`
    select tablename as name from pg_tables
    where schemaname = ${schema} and tablename not in ('kysely_migration', 'kysely_migration_lock')`.execute(db);
  for (const { name } of rows) {
    await sql`grant select, insert, update, delete on ${sql.id(schema, name)} to ${sql.id(role)}`.execute(db);
  }
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
