import { genesisHash, verifyChain } from "@tollgate/core";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TenantGroupCommit } from "../src/dialect/tenant-group-commit.js";
import { type Database, type Store, TenantScope } from "../src/index.js";
import { pgUrl, postgresTestStore, type TestStore } from "./stores.js";

const now = () => new Date().toISOString();

/** A promise and the function that settles it: holds a group open while others queue behind it. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

describe.skipIf(!pgUrl)("group commit per tenant on PostgreSQL", () => {
  let t: TestStore;
  let store: Store;

  beforeEach(async () => {
    t = await postgresTestStore();
    store = t.store;
    for (const id of ["ta", "tb"]) await store.createTenant({ id, name: id, wrappedKey: "k", createdAt: now() });
    // as the owner, and granted: the store's serving role may not create tables
    await t.asOwner?.(
      `create table probe (id text primary key, tenant text references tenants (id) deferrable initially deferred);
       grant select, insert, update, delete on probe to ${t.role}`,
    );
  });
  afterEach(async () => t.cleanup());

  const append = (tenant: string, i: number) =>
    store.transaction(tenant, (s) => s.audit.append([{ type: "test.event", workspace: "wa", data: { i } }], now()));
  /** A transaction of the tenant that writes, then keeps its group open until `release()`. */
  const holdGroup = (tenant: string, write: (s: TenantScope) => Promise<unknown>) => {
    const held = gate();
    const done = store.transaction(tenant, async (s) => {
      await write(s);
      await held.opened;
    });
    return { done, release: held.open };
  };
  /** A transaction of the tenant that appends an event, then fails. */
  const appendThenFail = (tenant: string, type: string, message: string) =>
    store.transaction(tenant, async (s) => {
      await s.audit.append([{ type, data: {} }], now());
      throw new Error(message);
    });
  const chainOf = async (tenant: string) => {
    const events = [];
    for await (const e of store.scope(tenant).audit.iterate()) events.push(e);
    return events;
  };
  it("a tenant's concurrent transactions share commits, and its chain verifies", async () => {
    const groups = new TenantGroupCommit(() => store.db);
    const transactionIds = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        groups.run("ta", async (db) => {
          await new TenantScope(db, "ta").audit.append([{ type: "test.event", data: { i } }], now());
          return (await sql<{ id: string }>`select txid_current()::text as id`.execute(db)).rows[0]?.id;
        }),
      ),
    );
    expect(new Set(transactionIds).size).toBeLessThan(40);
    const chain = await chainOf("ta");
    expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(verifyChain(chain, { seq: 0, hash: genesisHash })).toMatchObject({ ok: true, checked: 40 });
  });

  it("the store's transactions of a tenant wait for its running group, then commit", async () => {
    let secondDone = false;
    const first = holdGroup("ta", (s) => s.audit.append([{ type: "test.first", data: {} }], now()));
    const second = store
      .transaction("ta", (s) => s.workspaces.create("wa", "A", now()))
      .then(() => {
        secondDone = true;
      });
    await new Promise((r) => setTimeout(r, 200));
    expect(secondDone).toBe(false);
    first.release();
    await Promise.all([first.done, second]);
    expect((await store.scope("ta").workspaces.list()).map((w) => w.id)).toEqual(["wa"]);
  });

  it("a transaction that fails rolls back alone; the others of its group commit", async () => {
    const first = holdGroup("ta", (s) => s.audit.append([{ type: "test.first", data: {} }], now()));
    const failing = appendThenFail("ta", "test.failing", "refused after writing");
    const last = append("ta", 3);
    first.release();
    await expect(failing).rejects.toThrow("refused after writing");
    await Promise.all([first.done, last]);
    const chain = await chainOf("ta");
    expect(chain.map((e) => e.type)).toEqual(["test.first", "test.event"]);
    expect(verifyChain(chain, { seq: 0, hash: genesisHash })).toMatchObject({ ok: true });
    await expectHeadAtEnd("ta");
  });

  it("a first transaction that fails leaves the rest of the queue to run", async () => {
    const held = gate();
    const failing = store.transaction("ta", async (s) => {
      await s.audit.append([{ type: "test.failing", data: {} }], now());
      await held.opened;
      throw new Error("first refused");
    });
    const next = [append("ta", 1), append("ta", 2)];
    held.open();
    await expect(failing).rejects.toThrow("first refused");
    await Promise.all(next);
    expect((await chainOf("ta")).map((e) => e.data)).toEqual([{ i: 1 }, { i: 2 }]);
  });

  it("a COMMIT that fails fails every transaction of its group, and nothing of it is written", async () => {
    // the group's own connection is only handed to its members: drive one directly
    const groups = new TenantGroupCommit(() => store.db);
    const held = gate();
    const first = groups.run("ta", async (db) => {
      await new TenantScope(db, "ta").audit.append([{ type: "test.first", data: {} }], now());
      await held.opened;
    });
    // breaks a deferred foreign key: the statement passes, the COMMIT does not
    const breaking = groups.run("ta", (db) =>
      sql`insert into probe (id, tenant) values ('p1', 'no such tenant')`.execute(db),
    );
    held.open();
    const results = await Promise.allSettled([first, breaking]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(await chainOf("ta")).toEqual([]);
    await append("ta", 1);
    expect((await chainOf("ta")).map((e) => e.seq)).toEqual([1]);
  });

  /** the head row (read outside any group) is the chain's last event */
  const expectHeadAtEnd = async (tenant: string) => {
    const chain = await chainOf(tenant);
    const last = chain[chain.length - 1];
    expect(await store.scope(tenant).audit.head()).toEqual({ seq: last?.seq ?? 0, hash: last?.hash ?? genesisHash });
  };

  it("a group's later appends link to its held head; the head row is written once, before COMMIT", async () => {
    const first = holdGroup("ta", (s) => s.audit.append([{ type: "test.first", data: {} }], now()));
    // inside the group, the head is the held one, not the row (written only before COMMIT)
    const seen = store.transaction("ta", async (s) => {
      await s.audit.append(
        [
          { type: "test.a", data: {} },
          { type: "test.b", data: {} },
        ],
        now(),
      );
      return s.audit.head();
    });
    const rest = Array.from({ length: 5 }, (_, i) => append("ta", i));
    first.release();
    const [, head] = await Promise.all([first.done, seen, ...rest]);
    const chain = await chainOf("ta");
    expect(chain.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(head).toEqual({ seq: 3, hash: chain[2]?.hash });
    expect(verifyChain(chain, { seq: 0, hash: genesisHash })).toMatchObject({ ok: true, checked: 8 });
    await expectHeadAtEnd("ta");
  });

  it("a transaction that took the head row and failed gives it back to the next", async () => {
    const first = holdGroup("ta", (s) => s.workspaces.create("wa", "A", now()));
    const taker = appendThenFail("ta", "test.taken", "refused after reserving");
    const next = append("ta", 1);
    first.release();
    await expect(taker).rejects.toThrow("refused after reserving");
    await Promise.all([first.done, next]);
    const chain = await chainOf("ta");
    expect(chain.map((e) => [e.seq, e.type])).toEqual([[1, "test.event"]]);
    expect(verifyChain(chain, { seq: 0, hash: genesisHash })).toMatchObject({ ok: true });
    await expectHeadAtEnd("ta");
  });

  it("tenants do not wait for each other's groups", async () => {
    const slow = holdGroup("ta", (s) => s.audit.append([{ type: "test.slow", data: {} }], now()));
    await append("tb", 1);
    expect((await chainOf("tb")).length).toBe(1);
    slow.release();
    await slow.done;
  });

  it("a transaction begun inside another of the same tenant does not wait for its own group", async () => {
    await store.transaction("ta", async (s) => {
      await s.workspaces.create("wa", "A", now());
      await store.transaction("tb", (u) => u.workspaces.create("wb", "B", now()));
      await store.transaction("ta", (u) => u.workspaces.create("wc", "C", now()));
    });
    expect((await store.scope("ta").workspaces.list()).map((w) => w.id).sort()).toEqual(["wa", "wc"]);
  });

  it("when no connection can be had, every waiting transaction fails instead of waiting for ever", async () => {
    const pool = new pg.Pool({
      connectionString: "postgres://postgres@127.0.0.1:1/none",
      connectionTimeoutMillis: 2_000,
    });
    const unreachable = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const groups = new TenantGroupCommit(() => unreachable);
    const results = await Promise.allSettled([1, 2, 3].map(() => groups.run("ta", async () => "written")));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    await unreachable.destroy();
  });
});
