// The MCP figure of `npm run bench`: tools/call through Tollgate's MCP gateway (agent side over
// Streamable HTTP, governed, then the upstream over stdio) against the SDK's client calling the
// same upstream directly over stdio. The upstream is the reference "everything" server (echo).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { sessionFetch } from "../packages/server/dist/index.js";
import { pairedCalls, timeCalls } from "./measure.js";

const require = createRequire(import.meta.url);

function everythingEntry() {
  const pkg = "@modelcontextprotocol/server-everything";
  const manifest = require(`${pkg}/package.json`);
  return join(dirname(require.resolve(`${pkg}/package.json`)), Object.values(manifest.bin)[0]);
}

const manifest = (entry) => `apiVersion: tollgate/v1
kind: Workflow
name: bench-mcp
description: Bench of the MCP gateway
owner: bench@example.com
start: the bench starts
end: the bench ends
systems:
  everything:
    connector: { type: mcp, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(entry)}, "stdio"] }
    actions:
      echo: { class: READ }
budgets: { wallClock: 4h }
`;

/** Scenarios (same shape as run.js's) for tools/call, direct and governed. */
export async function mcpScenarios({ url, admin, agentKey, iterations, warmup, concurrency }) {
  const entry = everythingEntry();
  await admin.putWorkflow("bench", "bench-mcp", manifest(entry));
  const direct = new Client({ name: "bench-direct", version: "1" });
  await direct.connect(
    new StdioClientTransport({ command: process.execPath, args: [entry, "stdio"], stderr: "ignore" }),
  );
  const governed = new Client({ name: "bench-governed", version: "1" });
  await governed.connect(
    new StreamableHTTPClientTransport(new URL("/mcp/bench/bench-mcp", url), {
      fetch: sessionFetch(), // as Tollgate's own MCP clients do (docs/mcp.md)
      requestInit: { headers: { authorization: `Bearer ${agentKey}` } },
    }),
  );
  let message = 0; // every call asks something new (identical repeats raise alerts)
  const call = (client) => async () => {
    const r = await client.callTool({
      name: client === direct ? "echo" : "everything__echo",
      arguments: { message: `m${message++}` },
    });
    if (r.isError) throw new Error(`tools/call failed: ${JSON.stringify(r.content)}`);
  };
  const scenarios = [];
  try {
    await timeCalls(warmup, 1, call(direct));
    await timeCalls(warmup, 1, call(governed));
    for (const [label, parallel] of [
      ["sequential", 1],
      [`${concurrency} concurrent callers`, concurrency],
    ]) {
      scenarios.push({
        name: `governed READ tools/call (MCP gateway, stdio upstream), ${label}, ${iterations} calls`,
        ...(await pairedCalls(iterations, parallel, call(direct), call(governed))),
      });
    }
  } finally {
    await direct.close();
    await governed.close();
  }
  return scenarios;
}
