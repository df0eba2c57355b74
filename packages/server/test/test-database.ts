import { randomBytes } from "node:crypto";
import pg from "pg";

/** A PostgreSQL database of its own for one suite, made from TOLLGATE_TEST_DATABASE_URL and dropped after. */
export async function testDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TOLLGATE_TEST_DATABASE_URL;
  if (!base) throw new Error("TOLLGATE_TEST_DATABASE_URL is not set");
  const name = `tollgate_${prefix}_${randomBytes(5).toString("hex")}`;
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
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
