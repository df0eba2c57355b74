import { PostgresDialect } from "kysely";
import pg from "pg";

export interface PostgresOptions {
  url: string;
  /** A schema to use instead of `public` (tests use one each). */
  schema?: string;
  poolSize?: number;
}

export function postgresDialect(opts: PostgresOptions): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  return { dialect: new PostgresDialect({ pool }), pool };
}
