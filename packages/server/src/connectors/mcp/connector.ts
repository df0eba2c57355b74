import { TollgateError } from "@tollgate/core";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../types.js";
import type { McpPool, McpSpec } from "./pool.js";

/**
 * The `mcp` connector: `tools/call` of the action's upstream tool on the pooled connection of
 * its system. A result with `isError` or a JSON-RPC error is the upstream's answer, so it fails
 * the call (`upstream_failed`) with the upstream's own message; it is not retried.
 */
export class McpConnector implements Connector {
  constructor(private readonly pool: McpPool) {}

  async call(req: ConnectorRequest): Promise<ConnectorResult> {
    const { action } = req;
    if (!req.scope) throw new TollgateError("internal", "an MCP call needs its tenant and workspace");
    const connection = this.pool.for({ ...req.scope, system: action.system, spec: action.connector as McpSpec });
    const tool = action.upstreamTool ?? action.action;
    const meta = req.traceparent ? { traceparent: req.traceparent } : undefined;
    const result = await connection.callTool(tool, req.args, action.timeoutMs, meta);
    if (result.isError) {
      throw new ConnectorError(
        `${tool} failed upstream: ${textOf(result) || "the tool reported an error"}`,
        "answered",
        undefined,
        undefined,
        {
          content: result.content,
        },
      );
    }
    return { status: 200, body: resultBody(result) };
  }
}

/** What Tollgate stores and answers: the content, and the structured content when there is one. */
export function resultBody(r: CallToolResult): { content: unknown[]; structuredContent?: unknown } {
  return {
    content: r.content ?? [],
    ...(r.structuredContent !== undefined ? { structuredContent: r.structuredContent } : {}),
  };
}

function textOf(r: CallToolResult): string {
  return (r.content ?? [])
    .filter((c): c is { type: "text"; text: string } => c.type === "text")
    .map((c) => c.text)
    .join("\n")
    .slice(0, 1000);
}
