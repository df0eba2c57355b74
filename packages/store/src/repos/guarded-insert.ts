import { type Compilable, type Kysely, sql } from "kysely";
import { isSlot } from "../prepared.js";
import type { Database } from "../schema.js";

/**
 * One row's INSERT that happens only where `guard` (an UPDATE … RETURNING, a budget's
 * reservation) changed a row, as one PostgreSQL statement: `with guard as (update …) insert into
 * table (…) select … from guard`. It inserts nothing when the guard matched nothing, a round trip
 * less than the UPDATE and the INSERT apart. `row` maps columns to slots (bound values) or to
 * constants of the query (written as literals). A SELECT's parameters are untyped, so the bound
 * value of a column that is not text is cast to its type in `types`. SQLite has no UPDATE in a
 * WITH clause: its callers run the two apart.
 */
export function guardedInsert(
  db: Kysely<Database>,
  guard: Compilable<unknown>,
  table: keyof Database & string,
  row: Record<string, unknown>,
  types: Partial<Record<string, "integer" | "double precision">> = {},
): Compilable<unknown> {
  return {
    compile: () => {
      const entries = Object.entries(row);
      const columns = sql.join(entries.map(([column]) => sql.ref(column)));
      const selected = sql.join(
        entries.map(([column, value]) => {
          if (!isSlot(value)) return sql.lit(value);
          const type = types[column];
          return type ? sql`cast(${value} as ${sql.raw(type)})` : sql`${value}`;
        }),
      );
      return sql`with guard as (${guard}) insert into ${sql.table(table)} (${columns}) select ${selected} from guard`.compile(
        db,
      );
    },
  };
}
