import { randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresPool, TenantConnections } from "../src/dialect/postgres.js";
import { type Database, openStore, type Store } from "../src/index.js";
import { adminQuery, pgUrl, postgresTestStore, type TestStore } from "./stores.js";

const now = () => new Date().toISOString();

const workspacesOf = async (db: Kysely<Database>) =>
  (await db.selectFrom("workspaces").select(["id", "tenant_id"]).orderBy("id").execute()).map((r) => r.id);

/** THREATS.md #18: on PostgreSQL a connection reaches only the rows of the tenant it was set to. */
describe.skipIf(!pgUrl)("row-level security on PostgreSQL", () => {
  let t: TestStore;
  let store: Store;
  let tenants: TenantConnections;

  beforeAll(async () => {
    t = await postgresTestStore();
    store = t.store;
    for (const id of ["ta", "tb"]) {
      await store.createTenant({ id, name: id, wrappedKey: "k", createdAt: now() });
      await store.scope(id).workspaces.create(`w-${id}`, id, now());
    }
    // one connection, so every query below reuses the connection the one before it set
    tenants = new TenantConnections(
      postgresPool({ url: pgUrl as string, schema: t.schema as string, role: t.role as string, poolSize: 1 }),
    );
  });
  afterAll(async () => {
    await tenants?.system.destroy();
    await t?.cleanup();
  });

  it("binds the serving role", () => {
    expect(store.rowSecurity).toEqual({ role: t.role, enforced: true });
  });

  it("a tenant's connection sees only its rows, also after the connection served another tenant", async () => {
    expect(await workspacesOf(tenants.forTenant("ta"))).toEqual(["w-ta"]);
    expect(await workspacesOf(tenants.forTenant("tb"))).toEqual(["w-tb"]);
    expect(await workspacesOf(tenants.system)).toEqual(["w-ta", "w-tb"]);
    expect(await workspacesOf(tenants.forTenant("ta"))).toEqual(["w-ta"]);
    const names = await tenants.forTenant("tb").selectFrom("tenants").select("id").execute();
    expect(names.map((r) => r.id)).toEqual(["tb"]);
  });

  it("statements that touch no table leave a connection's tenant as it is (a notice costs no round trip)", async () => {
    expect(await workspacesOf(tenants.forTenant("tb"))).toEqual(["w-tb"]);
    const { rows } = await sql<{ t: string }>`select current_setting('tollgate.tenant', true) as t`.execute(
      tenants.rowless,
    );
    expect(rows[0]?.t).toBe("tb");
    // and it is still that tenant's connection, with nothing set again
    expect(await workspacesOf(tenants.forTenant("tb"))).toEqual(["w-tb"]);
  });

  it("a tenant's connection can neither write another tenant's rows nor change them", async () => {
    const ta = tenants.forTenant("ta");
    await expect(
      ta.insertInto("workspaces").values({ id: "w-sneak", tenant_id: "tb", name: "x", created_at: now() }).execute(),
    ).rejects.toThrow(/row-level security/);
    const moved = await ta
      .updateTable("workspaces")
      .set({ name: "renamed" })
      .where("id", "=", "w-tb")
      .executeTakeFirst();
    expect(Number(moved.numUpdatedRows)).toBe(0);
    const deleted = await ta.deleteFrom("workspaces").where("id", "=", "w-tb").executeTakeFirst();
    expect(Number(deleted.numDeletedRows)).toBe(0);
    // nor move its own row to the other tenant
    await expect(
      ta.updateTable("workspaces").set({ tenant_id: "tb" }).where("id", "=", "w-ta").execute(),
    ).rejects.toThrow(/row-level security/);
    expect(await workspacesOf(tenants.system)).toEqual(["w-ta", "w-tb"]);
  });

  it("the store's tenant scopes and transactions run on connections set to their tenant", async () => {
    // the repositories' own predicates would hide a scope on an all-tenants connection: ask the connection
    const settingOf = async (db: Kysely<Database>) =>
      (await sql<{ t: string }>`select current_setting('tollgate.tenant') as t`.execute(db)).rows[0]?.t;
    const dbOf = (scope: unknown) => (scope as { db: Kysely<Database> }).db;
    expect(await settingOf(dbOf(store.scope("ta")))).toBe("ta");
    expect(await store.transaction("tb", (s) => settingOf(dbOf(s)))).toBe("tb");
    expect(await settingOf(store.db)).toBe("*");
  });

  it("a connection nobody set reaches no row", async () => {
    const { rows } = await adminQuery(
      pgUrl as string,
      `SET search_path = ${t.schema}; SET ROLE ${t.role}; SELECT count(*)::int AS n FROM workspaces`,
    ).then((r) => (Array.isArray(r) ? r[2] : r));
    expect(rows[0].n).toBe(0);
  });

  it("every table with tenant rows is protected, the owner included", async () => {
    const { rows } = await sql<{ table: string; secured: boolean; forced: boolean; policies: number }>`
      select c.relname as table, c.relrowsecurity as secured, c.relforcerowsecurity as forced,
             (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${t.schema} and c.relkind = 'r'
        and (c.relname = 'tenants' or exists (
          select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
      order by 1`.execute(store.db);
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.filter((r) => !r.secured || !r.forced || r.policies !== 1).map((r) => r.table)).toEqual([]);
  });

  it("the serving role may not change the tables, turn the wall off or touch the migrations", async () => {
    await expect(sql`alter table workspaces disable row level security`.execute(store.db)).rejects.toThrow(
      /must be owner/,
    );
    await expect(sql`create table sneak (id text)`.execute(store.db)).rejects.toThrow(/permission denied/);
    // nor the migrations' bookkeeping
    await expect(sql`delete from kysely_migration`.execute(store.db)).rejects.toThrow(/permission denied/);
  });

  it("says so when the serving role passes row-level security (a superuser)", async () => {
    const s = `tollgate_test_${randomBytes(6).toString("hex")}`;
    const unbound = await openStore({ databaseUrl: pgUrl as string, schema: s });
    try {
      expect(unbound.rowSecurity?.enforced).toBe(false);
    } finally {
      await unbound.close();
      await adminQuery(pgUrl as string, `DROP SCHEMA IF EXISTS ${s} CASCADE`);
    }
  });

  it("refuses a role that is not a plain name, or that does not exist, naming it", async () => {
    await expect(openStore({ databaseUrl: pgUrl as string, schema: "x", databaseRole: "app; drop" })).rejects.toThrow(
      /database role must be a plain PostgreSQL role name .*"app; drop"/,
    );
    const s = `tollgate_test_${randomBytes(6).toString("hex")}`;
    try {
      await expect(
        openStore({ databaseUrl: pgUrl as string, schema: s, databaseRole: "tollgate_no_such_role" }),
      ).rejects.toThrow(/database role tollgate_no_such_role does not exist/);
    } finally {
      await adminQuery(pgUrl as string, `DROP SCHEMA IF EXISTS ${s} CASCADE`);
    }
  });
});
