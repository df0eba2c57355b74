import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The master key wraps every tenant's data key. It comes from TOLLGATE_MASTER_KEY (64 hex chars
 * or base64 of 32 bytes) or from `<data-dir>/master.key` (created with mode 0600 on first start).
 */
export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.TOLLGATE_MASTER_KEY;
  if (fromEnv) return decodeKey(fromEnv, "TOLLGATE_MASTER_KEY");
  const file = join(dataDir, "master.key");
  if (existsSync(file)) return decodeKey(readFileSync(file, "utf8").trim(), file);
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  return key;
}

function decodeKey(text: string, source: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== 32) throw new Error(`${source} must hold 32 bytes as 64 hex characters or base64`);
  return key;
}
