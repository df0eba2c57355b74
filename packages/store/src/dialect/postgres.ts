import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type TransactionSettings,
} from "kysely";
import pg from "pg";
import type { Database } from "../schema.js";

export interface PostgresOptions {
  url: string;
  /** A schema to use instead of `public` (tests use one each). */
  schema?: string;
  /** A role the connections act as (`SET ROLE` at connection start); validated by the caller. */
  role?: string;
  poolSize?: number;
}

export function postgresPool(opts: PostgresOptions): pg.Pool {
  const settings = [
    ...(opts.schema ? [`-c search_path=${opts.schema}`] : []),
    ...(opts.role ? [`-c role=${opts.role}`] : []),
  ];
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    ...(settings.length > 0 ? { options: settings.join(" ") } : {}),
  });
  // An idle connection the server ends (a restart, a failover, an administrator) is dropped from
  // the pool and the next query opens a new one; without a listener pg would end the process.
  pool.on("error", () => {});
  return pool;
}

/**
 * The session setting row-level security reads (migrations/012_row_level_security.ts): the tenant
 * whose rows a connection may see and write, or `allTenants` for the store's own cross-tenant
 * work (authentication by key, the jobs, start-up recovery, migrations).
 */
export const tenantSetting = "tollgate.tenant";
export const allTenants = "*";

/**
 * Kysely instances over one pool, each of which sets `tollgate.tenant` on a connection before
 * handing it out (PostgreSQL's row-level security then lets that connection reach only that
 * tenant's rows, a second wall behind the repositories' own tenant predicates). The setting is
 * per session and remembered per connection, so it costs a round trip only when a connection
 * changes hands between tenants. A connection is set before any transaction begins on it, so no
 * rollback can undo the setting.
 */
export class TenantConnections {
  private readonly inner: PostgresDriver;
  /** the tenant each pooled connection was last set to */
  private readonly setTo = new WeakMap<DatabaseConnection, string>();
  private readonly byTenant = new Map<string, Kysely<Database>>();
  /** the store's own: every tenant's rows; destroying it ends the pool */
  readonly system: Kysely<Database>;
  /**
   * For statements that touch no table (NOTIFY): hands a connection out as it is, so a call's
   * wake-up notice does not cost the next tenant query on that connection a round trip to set it back.
   */
  readonly rowless: Kysely<Database>;

  constructor(pool: pg.Pool) {
    this.inner = new PostgresDriver({ pool });
    this.system = this.kysely(allTenants, true);
    this.rowless = this.kysely(undefined, false);
  }

  /** The Kysely whose connections reach only `tenantId`'s rows. */
  forTenant(tenantId: string): Kysely<Database> {
    if (tenantId === allTenants) throw new Error("a tenant id cannot be the all-tenants setting");
    let db = this.byTenant.get(tenantId);
    if (!db) {
      // tenants are few; a bound keeps a long-lived process from keeping every one ever seen
      if (this.byTenant.size >= 10_000) this.byTenant.clear();
      db = this.kysely(tenantId, false);
      this.byTenant.set(tenantId, db);
    }
    return db;
  }

  private kysely(tenant: string | undefined, ownsPool: boolean): Kysely<Database> {
    const driver = new TenantDriver(this.inner, tenant, this.setTo, ownsPool);
    const dialect: Dialect = {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createQueryCompiler: () => new PostgresQueryCompiler(),
      createIntrospector: (db) => new PostgresIntrospector(db),
    };
    return new Kysely<Database>({ dialect });
  }
}

const setTenant = `select set_config('${tenantSetting}', $1, false)`;

class TenantDriver implements Driver {
  constructor(
    private readonly inner: PostgresDriver,
    /** undefined: the connection is handed out with whatever setting it has */
    private readonly tenant: string | undefined,
    private readonly setTo: WeakMap<DatabaseConnection, string>,
    private readonly ownsPool: boolean,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    if (this.tenant === undefined || this.setTo.get(connection) === this.tenant) return connection;
    try {
      await connection.executeQuery(CompiledQuery.raw(setTenant, [this.tenant]));
    } catch (e) {
      this.setTo.delete(connection);
      await this.inner.releaseConnection(connection as never);
      throw e;
    }
    this.setTo.set(connection, this.tenant);
    return connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint: Driver["savepoint"] = (connection, name, compile) => this.inner.savepoint(connection, name, compile);

  rollbackToSavepoint: Driver["rollbackToSavepoint"] = (connection, name, compile) =>
    this.inner.rollbackToSavepoint(connection, name, compile);

  releaseSavepoint: Driver["releaseSavepoint"] = (connection, name, compile) =>
    this.inner.releaseSavepoint(connection, name, compile);

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection as never);
  }

  /** Only the store's own instance ends the pool; a tenant's has nothing of its own to release. */
  destroy(): Promise<void> {
    return this.ownsPool ? this.inner.destroy() : Promise.resolve();
  }
}
