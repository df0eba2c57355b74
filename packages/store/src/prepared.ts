import { type Compilable, CompiledQuery, type DatabaseConnection, type Kysely, type QueryResult } from "kysely";
import type { Database } from "./schema.js";

/**
 * Hot-path queries built and compiled once per dialect (docs/performance.md). Building and
 * compiling a Kysely query costs more than SQLite running it, and a governed call runs the same
 * handful of statements every time. `prepared` builds the query once with a placeholder for each
 * value, remembers where each placeholder landed among the compiled parameters, and from then on
 * binds the values straight into the compiled SQL. The SQL is still Kysely's, from one schema.
 */

// A string no caller passes as a value: it marks where value i goes.
const slotPrefix = "\u0000tollgate-slot:";

interface Compiled {
  /** the compiled query without its parameters, the same object for every run */
  template: CompiledQuery;
  /** for each compiled parameter: the index of the value it takes, or a constant of the query */
  params: readonly ({ slot: number } | { constant: unknown })[];
}

const byDialect = new WeakMap<object, Map<string, Compiled>>();

/** The connection of each bound transaction, by its executor (see bindConnection). */
const bound = new WeakMap<object, DatabaseConnection>();

/**
 * Lets the `prepared` statements of a transaction go straight to its connection. Kysely's
 * transaction wraps every query in a chain of its own (an assertion that the transaction is still
 * open, a queue on its one connection: several promises per statement); taking the connection
 * once per transaction saves that on every statement after. `trx` must be a transaction's Kysely
 * whose connection refuses queries once the transaction has ended (the embedded store's does).
 */
export async function bindConnection(trx: Kysely<Database>): Promise<void> {
  const executor = trx.getExecutor();
  await executor.provideConnection(async (connection) => {
    bound.set(executor, connection);
  });
}

/**
 * Runs the query `build` makes from `slots`, with `values` in their place. `key` names the
 * query's shape: two calls with the same key must build the same query.
 */
export async function prepared<R>(
  db: Kysely<Database>,
  key: string,
  values: readonly unknown[],
  // biome-ignore lint/suspicious/noExplicitAny: slots stand in for values of any column type
  build: (db: Kysely<Database>, slots: any[]) => Compilable<R>,
): Promise<QueryResult<R>> {
  const executor = db.getExecutor();
  const adapter = executor.adapter.constructor;
  let cache = byDialect.get(adapter);
  if (!cache) {
    cache = new Map();
    byDialect.set(adapter, cache);
  }
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compile(db, key, values.length, build);
    cache.set(key, compiled);
  }
  const parameters = compiled.params.map((p) => ("slot" in p ? values[p.slot] : p.constant));
  const query: CompiledQuery<R> = { ...compiled.template, parameters };
  // Straight to the connection: the store registers no Kysely plugins, so `executeQuery`'s
  // per-query executor, query id and result transformation would do nothing but allocate.
  const connection = bound.get(executor);
  if (connection) return connection.executeQuery<R>(query);
  return executor.provideConnection((c) => c.executeQuery<R>(query));
}

function compile(
  db: Kysely<Database>,
  key: string,
  count: number,
  // biome-ignore lint/suspicious/noExplicitAny: see prepared
  build: (db: Kysely<Database>, slots: any[]) => Compilable<unknown>,
): Compiled {
  const slots = Array.from({ length: count }, (_, i) => `${slotPrefix}${i}`);
  const query = build(db, slots).compile();
  const used = new Set<number>();
  const params = query.parameters.map((p) => {
    if (isSlot(p)) {
      const slot = Number((p as string).slice(slotPrefix.length));
      used.add(slot);
      return { slot };
    }
    return { constant: p };
  });
  // a value the query never binds would be silently dropped: refuse the query instead
  if (used.size !== count) throw new Error(`prepared query ${key} binds ${used.size} of its ${count} values`);
  return { template: CompiledQuery.raw(query.sql), params };
}

/** Whether a value handed to `build` is a slot (a placeholder for a value), not a constant of the query. */
export function isSlot(value: unknown): boolean {
  return typeof value === "string" && value.startsWith(slotPrefix);
}

/** Rows an UPDATE or DELETE run through `prepared` touched. */
export function affectedRows(r: QueryResult<unknown>): number {
  return Number(r.numAffectedRows ?? 0);
}
