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

/** The example tracker as a stdio MCP server (built; run with node). */
export const trackerMcpPath: string = fileURLToPath(new URL("./tracker-mcp.js", import.meta.url)).replace(
  /\/src\/tracker-mcp\.js$/,
  "/dist/tracker-mcp.js",
);

/** Absolute path of the MCP variant of the workflow: the tracker is reached as an MCP server. */
export const workflowMcpPath: string = fileURLToPath(new URL("../workflow-mcp.yaml", import.meta.url));

/**
 * The MCP variant's YAML: the systems' base URL replaced by `baseUrl`, the tracker MCP server
 * launched with this Node from its built file. `overridesFile` is handed to the tracker MCP server
 * (TRACKER_MCP_OVERRIDES) so a test or the demo can change a tool definition under it.
 */
export function workflowMcpYaml(baseUrl: string, opts: { overridesFile?: string } = {}): string {
  const url = baseUrl.replace(/\/+$/, "");
  const env = [`TRACKER_URL: ${JSON.stringify(`${url}/tracker`)}`];
  if (opts.overridesFile) env.push(`TRACKER_MCP_OVERRIDES: ${JSON.stringify(opts.overridesFile)}`);
  return readFileSync(workflowMcpPath, "utf8")
    .replaceAll(DEFAULT_SYSTEMS_URL, url)
    .replace("command: node", `command: ${JSON.stringify(process.execPath)}`)
    .replace('"examples/support-triage/dist/tracker-mcp.js"', JSON.stringify(trackerMcpPath))
    .replace(`env: { TRACKER_URL: "${url}/tracker" }`, `env: { ${env.join(", ")} }`);
}
