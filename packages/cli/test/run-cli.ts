import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The built command, as a person runs it (`npm install` builds it). */
export const tollgateBin = fileURLToPath(new URL("../bin/tollgate.js", import.meta.url));

const run = promisify(execFile);

/** Runs `tollgate ARGS` without colours; never throws, answers the exit code and both outputs. */
export async function tollgate(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [tollgateBin, ...args], { env: { ...process.env, NO_COLOR: "1", ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
