import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TollgateClient } from "@tollgate/sdk";

export interface GlobalOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

export interface DemoKeys {
  url: string;
  tenant: string;
  workspace: string;
  workflow: string;
  keys: { admin: string; agent: string; approver: string; auditor: string };
}

export const demoFile = (dataDir: string) => join(dataDir, "demo.json");

export function readDemoKeys(dataDir = ".tollgate"): DemoKeys | undefined {
  const file = demoFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as DemoKeys) : undefined;
}

/** A client for the server named by --url/--key, TOLLGATE_URL/TOLLGATE_KEY, or the local operator key file. */
export function clientFrom(opts: GlobalOptions): TollgateClient {
  const url = opts.url ?? process.env.TOLLGATE_URL ?? "http://127.0.0.1:8787";
  const key = opts.key ?? process.env.TOLLGATE_KEY ?? readLocalKey();
  if (!key)
    throw new CliError(
      "no key: pass --key or set TOLLGATE_KEY (the operator key is in .tollgate/admin.key on first start)",
    );
  return new TollgateClient({ url, key });
}

function readLocalKey(): string | undefined {
  const file = join(".tollgate", "admin.key");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

/** An error meant for the person at the terminal: printed without a stack, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
