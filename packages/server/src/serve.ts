import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { openStore, type Store } from "@tollgate/store";
import { createTollgate, type Tollgate, type TollgateOptions } from "./app.js";
import type { Clock } from "./clock.js";
import { loadMasterKey } from "./identity/master-key.js";
import { parsePrivateNetworks } from "./identity/outbound.js";

export interface ServeOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  databaseUrl?: string;
  /** PostgreSQL: the role to serve as (`TOLLGATE_DATABASE_ROLE`; store/src/open.ts) */
  databaseRole?: string;
  logger?: boolean | object;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** the process's own metrics on /metrics (`tollgate serve`; once per process) */
  processMetrics?: boolean;
  /** breaker, limit and MCP gateway settings (tests use short ones) */
  tuning?: Pick<
    TollgateOptions,
    | "breakers"
    | "limits"
    | "mcp"
    | "auditDelivery"
    | "jobIntervalMs"
    | "notifications"
    | "publicUrl"
    | "models"
    | "alerts"
    | "keyCacheMs"
    | "secretCacheMs"
    | "modelConfigCacheMs"
  >;
}

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  tollgate: Tollgate;
  /** the store the server opened (closed by close()) */
  store: Store;
  /** Set only on the first start, when the operator key was generated here. */
  generatedOperatorKey?: string;
  operatorKeyFile?: string;
  close(): Promise<void>;
}

/**
 * `tollgate serve`: opens the store (SQLite in the data dir unless a database URL is given),
 * loads the master key, creates the operator key on first start, and listens.
 */
export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const dataDir = resolve(opts.dataDir ?? ".tollgate");
  const databaseRole = opts.databaseRole ?? (env.TOLLGATE_DATABASE_ROLE || undefined);
  const store = await openStore(
    opts.databaseUrl ? { databaseUrl: opts.databaseUrl, ...(databaseRole ? { databaseRole } : {}) } : { dataDir },
  );
  try {
    const masterKey = loadMasterKey(dataDir, env);
    const tollgate = await createTollgate({
      store,
      masterKey,
      logger: opts.logger ?? false,
      ...(opts.clock ? { clock: opts.clock } : {}),
      env,
      ...(opts.processMetrics ? { processMetrics: true } : {}),
      allowPrivateNetworks: parsePrivateNetworks(
        env.TOLLGATE_ALLOW_PRIVATE_NETWORKS,
        "TOLLGATE_ALLOW_PRIVATE_NETWORKS",
      ),
      ...opts.tuning,
    });
    if (store.rowSecurity?.enforced === false) {
      tollgate.http.log.warn(
        { role: store.rowSecurity.role },
        "PostgreSQL row-level security does not bind this role (a superuser or BYPASSRLS): tenant isolation rests on the tenant predicates alone; serve as another role (TOLLGATE_DATABASE_ROLE, docs/operations.md)",
      );
    }
    const boot = await tollgate.services.keys.bootstrapOperator(env.TOLLGATE_ADMIN_KEY || undefined);
    let operatorKeyFile: string | undefined;
    if (boot.token) {
      operatorKeyFile = join(dataDir, "admin.key");
      writeFileSync(operatorKeyFile, `${boot.token}\n`, { mode: 0o600 });
    }
    const address = await tollgate.http.listen({ port: opts.port ?? 8787, host: opts.host ?? "127.0.0.1" });
    tollgate.setPublicUrl(env.TOLLGATE_PUBLIC_URL || address.replace("[::1]", "localhost"));
    const port = Number(new URL(address).port);
    return {
      url: address.replace("[::1]", "localhost"),
      port,
      dataDir,
      tollgate,
      store,
      ...(boot.token ? { generatedOperatorKey: boot.token, operatorKeyFile } : {}),
      async close() {
        await tollgate.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
