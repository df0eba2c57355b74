import { type Kysely, sql } from "kysely";
import pg from "pg";
import type { Database } from "../schema.js";

/**
 * Notifications between Tollgate processes sharing one database: on PostgreSQL, NOTIFY on a
 * channel and one dedicated LISTEN connection per process; on the embedded SQLite store there is
 * only one process, so nothing crosses.
 */
export interface Notifications {
  publish(channel: string, payload: string): Promise<void>;
  /** Calls `onMessage` for every payload published on the channel by any process; returns a stop function. */
  subscribe(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** Resolves once everything published so far has been sent or has failed (the store closes after). */
  drain(): Promise<void>;
}

export const noNotifications: Notifications = {
  publish: async () => {},
  subscribe: async () => async () => {},
  drain: async () => {},
};

/**
 * On PostgreSQL. What is published on a channel in one turn of the event loop goes out in one
 * statement, one NOTIFY per distinct payload as before (so replicas of an older version still
 * read them): calls that end together cost one round trip between them, not one each.
 */
export function postgresNotifications(db: Kysely<Database>, url: string): Notifications {
  const pending = new Map<string, { payloads: Set<string>; sent: Promise<void> }>();
  /** sends not yet settled, waiting for their turn or on their way */
  const unsettled = new Set<Promise<void>>();
  const send = async (channel: string, payloads: Set<string>) => {
    await new Promise((resolve) => setImmediate(resolve));
    pending.delete(channel);
    await sql`select pg_notify(${channel}, p) from unnest(${[...payloads]}::text[]) as p`.execute(db);
  };
  return {
    publish(channel, payload) {
      let batch = pending.get(channel);
      if (!batch) {
        const payloads = new Set<string>();
        batch = { payloads, sent: send(channel, payloads) };
        pending.set(channel, batch);
        const sent = batch.sent;
        unsettled.add(sent);
        sent.then(
          () => unsettled.delete(sent),
          () => unsettled.delete(sent),
        );
      }
      batch.payloads.add(payload);
      return batch.sent;
    },
    async drain() {
      await Promise.allSettled([...unsettled]);
    },
    async subscribe(channel, onMessage) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      client.on("notification", (n) => {
        if (n.channel === channel && n.payload !== undefined) onMessage(n.payload);
      });
      // a listener that lost its connection must not take the process down; waits fall back to their timeout
      client.on("error", () => {});
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        await client.end().catch(() => {});
      };
    },
  };
}
