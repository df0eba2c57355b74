import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * A PostgreSQL database of its own for one suite, made from TOLLGATE_TEST_DATABASE_URL and dropped
 * after, with a role of its own to serve as: the URL's user is a superuser on the test machines,
 * which row-level security would not bind.
 */
export async function testDatabase(prefix: string): Promise<{ url: string; role: string; drop(): Promise<void> }> {
  const base = process.env.TOLLGATE_TEST_DATABASE_URL;
  if (!base) throw new Error("TOLLGATE_TEST_DATABASE_URL is not set");
  const name = `tollgate_${prefix}_${randomBytes(5).toString("hex")}`;
  const role = `${name}_app`;
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  await admin(`CREATE ROLE ${role} NOLOGIN`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    role,
    async drop() {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin(`DROP ROLE IF EXISTS ${role}`);
    },
  };
}
