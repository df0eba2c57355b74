import { type Kysely, PostgresAdapter, sql } from "kysely";
import { allTenants, tenantSetting } from "./postgres.js";

/**
 * PostgreSQL's row-level security statements (THREATS.md #18), for migrations: a table's rows
 * reachable only by connections whose `tollgate.tenant` setting (dialect/postgres.ts) names their
 * tenant, or is `*`. SQLite has no roles and one process: there these do nothing.
 */
const policy = "tollgate_tenant";

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** ENABLE and FORCE (so the tables' owner is bound too) and the one policy, on `column`. */
export async function protectTenantRows(db: Kysely<unknown>, table: string, column: string): Promise<void> {
  if (!isPostgres(db)) return;
  const t = sql.table(table);
  await sql`alter table ${t} enable row level security`.execute(db);
  await sql`alter table ${t} force row level security`.execute(db);
  // literals: a policy is DDL, which takes no parameters
  const setting = sql`current_setting(${sql.lit(tenantSetting)}, true)`;
  await sql`create policy ${sql.id(policy)} on ${t}
    using (${sql.ref(column)} = ${setting} or ${setting} = ${sql.lit(allTenants)})`.execute(db);
}

export async function unprotectTenantRows(db: Kysely<unknown>, table: string): Promise<void> {
  if (!isPostgres(db)) return;
  const t = sql.table(table);
  await sql`drop policy if exists ${sql.id(policy)} on ${t}`.execute(db);
  await sql`alter table ${t} no force row level security`.execute(db);
  await sql`alter table ${t} disable row level security`.execute(db);
}
