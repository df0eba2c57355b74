import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../src/index.js";
import { pgUrl } from "./stores.js";

/** Tollgate's migrations keep to their own schema, whatever else the database holds. */
describe.skipIf(!pgUrl)("migrations on postgres", () => {
  const decoy = `tollgate_decoy_${randomBytes(6).toString("hex")}`;
  const schema = `tollgate_test_${randomBytes(6).toString("hex")}`;
  const admin = () => new pg.Client({ connectionString: pgUrl });

  afterAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${decoy} CASCADE`);
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  it("migrates its schema although another schema has Kysely's migration tables", async () => {
    const c = admin();
    await c.connect();
    // what another Kysely application, or a half-migrated Tollgate, leaves in the same database
    await c.query(`CREATE SCHEMA ${decoy}`);
    await c.query(`CREATE TABLE ${decoy}.kysely_migration_lock (id varchar(255) primary key, is_locked integer)`);
    await c.query(`CREATE TABLE ${decoy}.kysely_migration (name varchar(255) primary key, timestamp varchar(255))`);
    await c.end();

    const store = await openStore({ databaseUrl: pgUrl as string, schema });
    try {
      await store.createTenant({ id: "t", name: "t", wrappedKey: "-", createdAt: new Date().toISOString() });
      expect(await store.getTenant("t")).toMatchObject({ id: "t" });
    } finally {
      await store.close();
    }
  });
});
