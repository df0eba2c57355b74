import { randomBytes } from "node:crypto";
import pg from "pg";
import { openStore, type Store } from "../src/index.js";

export const pgUrl = process.env.TOLLGATE_TEST_DATABASE_URL;

export interface TestStore {
  store: Store;
  cleanup(): Promise<void>;
  /** PostgreSQL: runs a statement as the schema's owner (the serving role may not change tables) */
  asOwner?(statement: string): Promise<pg.QueryResult>;
  /** PostgreSQL: the store's schema and the role it serves as */
  schema?: string;
  role?: string;
}

/** A fresh SQLite store in memory. */
export async function sqliteTestStore(): Promise<TestStore> {
  const store = await openStore({ sqliteFile: ":memory:" });
  return { store, cleanup: () => store.close() };
}

/**
 * A fresh PostgreSQL schema of its own, dropped afterwards, served as a role of its own that
 * row-level security binds (the URL's user is a superuser on the test machines, which it would not).
 */
export async function postgresTestStore(): Promise<TestStore> {
  if (!pgUrl) throw new Error("TOLLGATE_TEST_DATABASE_URL is not set");
  const url = pgUrl;
  const schema = `tollgate_test_${randomBytes(6).toString("hex")}`;
  const role = `${schema}_app`;
  await adminQuery(url, `CREATE ROLE ${role} NOLOGIN`);
  try {
    const store = await openStore({ databaseUrl: url, schema, databaseRole: role });
    return {
      store,
      schema,
      role,
      asOwner: (statement) => adminQuery(url, `SET search_path = ${schema}; ${statement}`),
      async cleanup() {
        await store.close();
        await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await adminQuery(url, `DROP ROLE IF EXISTS ${role}`);
      },
    };
  } catch (e) {
    await adminQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await adminQuery(url, `DROP ROLE IF EXISTS ${role}`);
    throw e;
  }
}

/** One statement as the test database's own user. */
export async function adminQuery(url: string, statement: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}
