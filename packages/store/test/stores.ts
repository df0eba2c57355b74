import { randomBytes } from "node:crypto";
import pg from "pg";
import { openStore, type Store } from "../src/index.js";

export const pgUrl = process.env.TOLLGATE_TEST_DATABASE_URL;

export interface TestStore {
  store: Store;
  cleanup(): Promise<void>;
}

/** A fresh SQLite store in memory. */
export async function sqliteTestStore(): Promise<TestStore> {
  const store = await openStore({ sqliteFile: ":memory:" });
  return { store, cleanup: () => store.close() };
}

/** A fresh PostgreSQL schema of its own, dropped afterwards. */
export async function postgresTestStore(): Promise<TestStore> {
  if (!pgUrl) throw new Error("TOLLGATE_TEST_DATABASE_URL is not set");
  const schema = `tollgate_test_${randomBytes(6).toString("hex")}`;
  const store = await openStore({ databaseUrl: pgUrl, schema });
  return {
    store,
    async cleanup() {
      await store.close();
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
