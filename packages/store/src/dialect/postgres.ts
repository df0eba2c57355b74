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
  // An idle connection the server ends (a restart, a failover, an administrator) is dropped from
  // the pool and the next query opens a new one; without a listener pg would end the process.
  pool.on("error", () => {});
  return { dialect: new PostgresDialect({ pool }), pool };
}
