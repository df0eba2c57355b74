import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The base URL the manifest is written against (what `cli.js` listens on by default). */
export const DEFAULT_SYSTEMS_URL = "http://127.0.0.1:4010";

/** Absolute path of the support-triage workflow manifest (it lives at the package root, beside src/ and dist/). */
export const workflowPath: string = fileURLToPath(new URL("../workflow.yaml", import.meta.url));

/** The manifest's YAML text with the example systems' base URL replaced by `baseUrl` (e.g. `systems.url`). */
export function workflowYaml(baseUrl: string): string {
  const text = readFileSync(workflowPath, "utf8");
  return text.replaceAll(DEFAULT_SYSTEMS_URL, baseUrl.replace(/\/+$/, ""));
}
