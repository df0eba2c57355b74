import { type Compilable, type Kysely, sql } from "kysely";
import { isSlot } from "../prepared.js";
import type { Database } from "../schema.js";

/**
 * Rows' INSERT that happens only where `guard` (an UPDATE … RETURNING: a budget's reservation,
 * the audit head's move) changed a row, as one PostgreSQL statement: `with guard as (update …)
 * insert into table (…) select … from guard union all …`. It inserts nothing when the guard
 * matched nothing, a round trip less than the UPDATE and the INSERT apart. Each row maps the same
 * columns to slots (bound values) or to constants of the query (written as literals). A SELECT's
 * parameters are untyped, so the bound value of a column that is not text is cast to its type in
 * `types`. SQLite has no UPDATE in a WITH clause: its callers run the two apart.
 */
export function guardedInsert(
  db: Kysely<Database>,
  guard: Compilable<unknown>,
  table: keyof Database & string,
  rows: Record<string, unknown>[],
  types: Partial<Record<string, "integer" | "double precision">> = {},
): Compilable<unknown> {
  return {
    compile: () => {
      const columns = sql.join(Object.keys(rows[0] ?? {}).map((column) => sql.ref(column)));
      const selects = rows.map((row) => {
        const selected = Object.entries(row).map(([column, value]) => {
          if (!isSlot(value)) return sql.lit(value);
          const type = types[column];
          return type ? sql`cast(${value} as ${sql.raw(type)})` : sql`${value}`;
        });
        return sql`select ${sql.join(selected)} from guard`;
      });
      return sql`with guard as (${guard}) insert into ${sql.table(table)} (${columns}) ${sql.join(selects, sql` union all `)}`.compile(
        db,
      );
    },
  };
}
