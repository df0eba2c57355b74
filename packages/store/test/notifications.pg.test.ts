import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { postgresNotifications } from "../src/dialect/notifications.js";
import type { Database } from "../src/index.js";
import { pgUrl, postgresTestStore } from "./stores.js";

describe.skipIf(!pgUrl)("notifications between processes on PostgreSQL", () => {
  let db: Kysely<Database>;
  let statements: string[];

  beforeEach(() => {
    statements = [];
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: pgUrl }) }),
      log: (e) => {
        if (e.level === "query") statements.push(e.query.sql);
      },
    });
  });
  afterEach(async () => db.destroy());

  const received = (n: number, into: string[]) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`heard ${into.length} of ${n}: ${into}`)), 5000);
      const check = setInterval(() => {
        if (into.length < n) return;
        clearTimeout(timer);
        clearInterval(check);
        resolve();
      }, 5);
    });

  it("sends what is published in one turn of the event loop in one statement, each payload once", async () => {
    const channel = `tollgate_test_${process.pid}`;
    const notifications = postgresNotifications(db, pgUrl as string);
    const heard: string[] = [];
    const other: string[] = [];
    const stop = await notifications.subscribe(channel, (p) => heard.push(p));
    const stopOther = await notifications.subscribe(`${channel}_other`, (p) => other.push(p));
    try {
      await Promise.all([
        notifications.publish(channel, "call_1"),
        notifications.publish(channel, "call_2"),
        notifications.publish(channel, "call_1"),
        notifications.publish(channel, "a 'quoted', {braced} \"payload\""),
        notifications.publish(`${channel}_other`, "call_1"),
      ]);
      await received(3, heard);
      await received(1, other);
      expect(heard).toEqual(["call_1", "call_2", "a 'quoted', {braced} \"payload\""]);
      expect(other).toEqual(["call_1"]);
      expect(statements.filter((s) => s.includes("pg_notify"))).toHaveLength(2); // one per channel

      // a later turn: a statement of its own
      await notifications.publish(channel, "call_3");
      await received(4, heard);
      expect(heard[3]).toBe("call_3");
      expect(statements.filter((s) => s.includes("pg_notify"))).toHaveLength(3);
    } finally {
      await stop();
      await stopOther();
    }
  });

  it("a notice published just before the store closes still goes out", async () => {
    const t = await postgresTestStore();
    const channel = `tollgate_test_close_${process.pid}`;
    const heard: string[] = [];
    const stop = await t.store.notifications.subscribe(channel, (p) => heard.push(p));
    try {
      const published = t.store.notifications.publish(channel, "last words");
      await t.store.close();
      await published;
      await received(1, heard);
      expect(heard).toEqual(["last words"]);
    } finally {
      await stop();
      await t.cleanup();
    }
  });
});
