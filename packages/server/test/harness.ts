import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ExampleSystems,
  type ExampleSystemsOptions,
  startExampleSystems,
  workflowYaml,
} from "@tollgate/example-support-triage";
import { TollgateClient } from "@tollgate/sdk";
import { type RunningServer, type ServeOptions, startServer } from "../src/index.js";

export const operatorKey = "operator-test-key-0123456789";

export interface Workspace {
  tenant: string;
  workspace: string;
  admin: TollgateClient;
  agent: TollgateClient;
  approver: TollgateClient;
  auditor: TollgateClient;
}

/** The API key a test client was made with (to hand to the CLI, a browser, or a raw request). */
export function keyOf(client: TollgateClient): string {
  return (client as unknown as { opts: { key: string } }).opts.key;
}

export interface Harness {
  server: RunningServer;
  systems: ExampleSystems;
  operator: TollgateClient;
  dataDir: string;
  url: string;
  /** A tenant with one workspace holding the support-triage workflow and a key per role. */
  workspace(tenant: string, workspace: string, yaml?: string): Promise<Workspace>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The real server on a free port, on a fresh SQLite store (or PostgreSQL), with the real example systems. */
export async function startHarness(
  opts: {
    databaseUrl?: string;
    /** PostgreSQL: the role to serve as (testDatabase makes one row-level security binds) */
    databaseRole?: string;
    dataDir?: string;
    tuning?: ServeOptions["tuning"];
    /** a clock tests move (backoff, expiry) */
    clock?: ServeOptions["clock"];
    /** more environment for the server (OTEL_*, TOLLGATE_METRICS_TOKEN) */
    env?: Record<string, string>;
    /** options of the example systems (e.g. acceptBearer for OAuth tests) */
    systems?: ExampleSystemsOptions;
    /** pino options for the server's log (e.g. a stream the canary test reads) */
    logger?: object;
  } = {},
): Promise<Harness> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "tollgate-test-"));
  const env = { TOLLGATE_ADMIN_KEY: operatorKey, TOLLGATE_MASTER_KEY: "a".repeat(64), ...opts.env };
  const systems = await startExampleSystems({ port: 0, ...opts.systems });
  const logger = opts.logger ?? (process.env.TOLLGATE_DEBUG ? { level: "error" } : false);
  const options = (port: number) => ({
    port,
    dataDir,
    env,
    logger,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.databaseRole ? { databaseRole: opts.databaseRole } : {}),
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  let server = await startServer(options(0));
  const h: Harness = {
    server,
    systems,
    dataDir,
    url: server.url,
    operator: new TollgateClient({ url: server.url, key: operatorKey }),
    async workspace(tenant, workspace, yaml) {
      await h.operator.createTenant(tenant);
      await h.operator.createWorkspace(tenant, workspace);
      const key = async (role: "admin" | "agent" | "approver" | "auditor") =>
        new TollgateClient({ url: h.url, key: (await h.operator.createKey(workspace, `${role}-${tenant}`, role)).key });
      const ws: Workspace = {
        tenant,
        workspace,
        admin: await key("admin"),
        agent: await key("agent"),
        approver: await key("approver"),
        auditor: await key("auditor"),
      };
      for (const [system, token] of Object.entries(systems.tokens))
        await ws.admin.putSecret(workspace, `${system}-token`, token);
      await ws.admin.putWorkflow(workspace, "support-triage", yaml ?? workflowYaml(systems.url));
      return ws;
    },
    async restart() {
      await server.close();
      server = await startServer(options(server.port));
      h.server = server;
      // let clients' pooled keep-alive sockets see that the old server closed them
      await new Promise((r) => setTimeout(r, 100));
    },
    async close() {
      await server.close();
      await systems.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Runs a promise expected to fail with an API error and returns the problem. */
export async function problemOf(
  p: Promise<unknown>,
): Promise<{ status: number; code: string; detail: string; [k: string]: unknown }> {
  try {
    await p;
  } catch (e) {
    const problem = (e as { problem?: { status: number; code: string; detail: string } }).problem;
    if (problem) return problem;
    throw e;
  }
  throw new Error("expected the call to fail");
}
