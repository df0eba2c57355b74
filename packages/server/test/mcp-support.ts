import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

const require = createRequire(import.meta.url);

/** The built entry of an MCP server package from npm, run with `node` (no npx download). */
export function upstreamEntry(
  pkg: "@modelcontextprotocol/server-everything" | "@modelcontextprotocol/server-memory",
): string {
  const manifest = require(`${pkg}/package.json`) as { bin: Record<string, string> };
  return join(dirname(require.resolve(`${pkg}/package.json`)), Object.values(manifest.bin)[0] as string);
}

/** A workflow over the reference memory server (knowledge graph), with a fresh memory file. */
export function memoryWorkflowYaml(name = "memory-agent"): string {
  const file = join(mkdtempSync(join(tmpdir(), "tollgate-memory-")), "memory.jsonl");
  return `apiVersion: tollgate/v1
kind: Workflow
name: ${name}
description: Keep notes about customers in a knowledge graph
owner: test@example.com
start: an agent session begins
end: the agent is done
systems:
  memory:
    connector:
      type: mcp
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(upstreamEntry("@modelcontextprotocol/server-memory"))}]
      env: { MEMORY_FILE_PATH: ${JSON.stringify(file)} }
    actions:
      read_graph: { class: READ }
      search_nodes: { class: READ }
      create_entities: { class: WRITE }
      delete_entities: { class: DELETE }
policy:
  defaults: { READ: allow, WRITE: approve, DELETE: block, EXTERNAL_SEND: approve }
`;
}

/** The SDK's own client, over Streamable HTTP, at Tollgate's MCP endpoint. */
export async function mcpClient(
  url: string,
  key: string,
  workspace: string,
  workflow: string,
  headers: Record<string, string> = {},
): Promise<Client> {
  const client = new Client({ name: "test-agent", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`/mcp/${workspace}/${workflow}`, url), {
      requestInit: { headers: { authorization: `Bearer ${key}`, ...headers } },
    }),
  );
  return client;
}

export function textOf(r: unknown): string {
  return ((r as CallToolResult).content ?? [])
    .filter((c) => c.type === "text")
    .map((c) => (c as { text: string }).text)
    .join("\n");
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
