import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { sessionFetch } from "@tollgate/server";

export interface BridgeOptions {
  url: string;
  key: string;
  workspace: string;
  workflow: string;
  run?: string;
}

/** Long enough for the gateway's approval wait; progress notifications keep it alive beyond. */
const callTimeoutMs = 10 * 60_000;

/**
 * `tollgate mcp`: an MCP server on stdio whose tools are the workflow's on Tollgate. The local
 * client speaks to this process; this process is an MCP client of `/mcp/{ws}/{workflow}` over
 * Streamable HTTP. Nothing is decided here: tools/list and tools/call are forwarded, with the
 * gateway's progress notifications passed back. Stdout carries only MCP messages.
 */
export async function runStdioBridge(o: BridgeOptions): Promise<void> {
  const endpoint = new URL(
    `/mcp/${encodeURIComponent(o.workspace)}/${encodeURIComponent(o.workflow)}`,
    o.url.endsWith("/") ? o.url : `${o.url}/`,
  );
  const upstream = new Client({ name: "tollgate-mcp-bridge", version: "0.1.0" }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(endpoint, {
    fetch: sessionFetch(),
    requestInit: { headers: { authorization: `Bearer ${o.key}`, ...(o.run ? { "x-tollgate-run": o.run } : {}) } },
  });
  await upstream.connect(transport);
  const info = upstream.getServerVersion();
  const local = new Server(
    { name: info?.name ?? "tollgate", version: info?.version ?? "0.1.0" },
    {
      capabilities: { tools: { listChanged: true } },
      ...(upstream.getInstructions() ? { instructions: upstream.getInstructions() as string } : {}),
    },
  );
  local.setRequestHandler(ListToolsRequestSchema, async (req) => upstream.listTools(req.params));
  local.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const token = req.params._meta?.progressToken;
    return upstream.callTool({ name: req.params.name, arguments: req.params.arguments ?? {} }, undefined, {
      signal: extra.signal,
      timeout: callTimeoutMs,
      resetTimeoutOnProgress: true,
      ...(token !== undefined
        ? {
            onprogress: (p) =>
              void extra
                .sendNotification({ method: "notifications/progress", params: { ...p, progressToken: token } })
                .catch(() => {}),
          }
        : {}),
    });
  });
  upstream.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    await local.sendToolListChanged().catch(() => {});
  });
  const stdio = new StdioServerTransport();
  const done = new Promise<void>((resolve) => {
    stdio.onclose = () => resolve();
    process.stdin.on("end", () => resolve());
  });
  upstream.onclose = () => void local.close().catch(() => {});
  await local.connect(stdio);
  await done;
  await transport.terminateSession().catch(() => {});
  await upstream.close().catch(() => {});
}
