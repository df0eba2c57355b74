import type { ConnectorSpec, McpToolDefinition } from "@tollgate/core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike, Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type CallToolResult,
  ErrorCode,
  McpError,
  type Tool,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { ConnectorError } from "../types.js";
import { sessionFetch } from "./fetch.js";

export type McpSpec = Extract<ConnectorSpec, { type: "mcp" }>;

/** Where a pooled connection belongs: one per (tenant, workspace, system) and connector config. */
export interface McpTarget {
  tenantId: string;
  workspaceId: string;
  system: string;
  spec: McpSpec;
}

export interface McpConnectionState {
  key: string;
  system: string;
  workspaceId: string;
  transport: "stdio" | "http";
  connected: boolean;
  /** the child process of a stdio server */
  pid: number | null;
  /** how many times the connection was made again after it died */
  restarts: number;
}

const stderrTailBytes = 2_000;
const notSentCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** The cached tools/list is refreshed on list_changed, on reconnect, and at least this often. */
const toolsMaxAgeMs = 60_000;

/**
 * One upstream MCP server reached with the SDK's client. Connected on first use, connected
 * again after it dies (a stdio child that exited, an HTTP server that went away); the tool list
 * is cached per connection and refreshed when the server says it changed.
 */
export class McpConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private transport: Transport | undefined;
  private tools: { at: number; byName: Map<string, Tool> } | undefined;
  private toolsLoading: Promise<Map<string, Tool>> | undefined;
  /** bumped whenever the cached list may be stale, so a slow load cannot store an old list */
  private generation = 0;
  private connectedOnce = false;
  private stderrTail = "";
  private closed = false;
  restarts = 0;

  constructor(
    readonly key: string,
    readonly target: McpTarget,
    /** what a Streamable HTTP server is reached with (the server's passes the outbound address checks) */
    private readonly fetch?: FetchLike,
  ) {}

  private get label(): string {
    const s = this.target.spec;
    return s.url ? `MCP server ${s.url}` : `MCP server \`${[s.command, ...s.args].join(" ")}\``;
  }

  /** The connected client, connecting first when there is none. */
  async connected(): Promise<Client> {
    if (this.closed) throw new ConnectorError(`the connection to ${this.label} is closed`, "not_sent");
    if (this.client) return this.client;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const { spec } = this.target;
    const client = new Client({ name: "tollgate", version: "0.1.0" }, { capabilities: {} });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      this.invalidateTools();
    });
    let transport: Transport;
    if (spec.url) {
      transport = new StreamableHTTPClientTransport(new URL(spec.url), { fetch: sessionFetch(this.fetch) });
    } else {
      const stdio = new StdioClientTransport({
        command: spec.command as string,
        args: spec.args,
        env: spec.env,
        stderr: "pipe",
      });
      // Keep the end of what the server says on stderr: it explains a crash better than "closed".
      stdio.stderr?.on("data", (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-stderrTailBytes);
      });
      transport = stdio;
    }
    client.onclose = () => {
      if (this.client === client) {
        this.client = undefined;
        this.transport = undefined;
        this.invalidateTools();
      }
    };
    try {
      await client.connect(transport, { timeout: spec.timeoutMs });
    } catch (e) {
      await client.close().catch(() => {});
      throw new ConnectorError(`could not connect to ${this.label}: ${reason(e)}${this.stderrHint()}`, "not_sent");
    }
    if (this.closed) {
      await client.close().catch(() => {});
      throw new ConnectorError(`the connection to ${this.label} is closed`, "not_sent");
    }
    if (this.connectedOnce) this.restarts++;
    this.connectedOnce = true;
    this.client = client;
    this.transport = transport;
    this.invalidateTools();
    return client;
  }

  private invalidateTools(): void {
    this.generation++;
    this.tools = undefined;
  }

  /** The server's tools by name, from the cache when it is fresh. */
  async listTools(): Promise<Map<string, Tool>> {
    if (this.tools && Date.now() - this.tools.at < toolsMaxAgeMs) return this.tools.byName;
    this.toolsLoading ??= this.loadTools().finally(() => {
      this.toolsLoading = undefined;
    });
    return this.toolsLoading;
  }

  private async loadTools(): Promise<Map<string, Tool>> {
    const client = await this.connected();
    const generation = this.generation;
    const byName = new Map<string, Tool>();
    try {
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, { timeout: this.target.spec.timeoutMs });
        for (const t of page.tools) byName.set(t.name, t);
        cursor = page.nextCursor;
      } while (cursor);
    } catch (e) {
      throw await this.failure(client, e, "listing its tools");
    }
    if (generation === this.generation) this.tools = { at: Date.now(), byName };
    return byName;
  }

  async callTool(
    name: string,
    args: Record<string, unknown>,
    timeoutMs: number,
    meta?: Record<string, unknown>,
  ): Promise<CallToolResult> {
    const client = await this.connected();
    try {
      const result = await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) }, undefined, {
        timeout: timeoutMs,
      });
      return result as CallToolResult;
    } catch (e) {
      throw await this.failure(client, e, `calling ${name}`);
    }
  }

  /**
   * SDK errors in the terms of the retry policy: did the request maybe reach the server? A
   * failure of the transport itself (an HTTP server gone or restarted without our session) also
   * drops the connection, so the next use connects again.
   */
  private async failure(client: Client, e: unknown, doing: string): Promise<ConnectorError> {
    if (e instanceof ConnectorError) return e;
    if (e instanceof McpError) {
      if (e.code === ErrorCode.RequestTimeout) {
        return new ConnectorError(`${this.label} did not answer within the timeout while ${doing}`, "maybe_sent");
      }
      if (e.code === ErrorCode.ConnectionClosed) {
        return new ConnectorError(
          `${this.label} closed the connection while ${doing}${this.stderrHint()}`,
          "maybe_sent",
        );
      }
      // A JSON-RPC error is an answer: the server received the request and refused it.
      return new ConnectorError(`${this.label} answered an error: ${e.message}`, "answered", undefined, undefined, {
        code: e.code,
        message: e.message,
      });
    }
    if (/not connected/i.test(reason(e))) {
      return new ConnectorError(`${this.label} is not connected`, "not_sent");
    }
    await this.drop(client);
    const err = e as { code?: unknown; cause?: { code?: string } };
    // refused before anything was sent, or a session the server no longer knows (not processed)
    const notSent = notSentCodes.has(err.cause?.code ?? "") || err.code === 404;
    return new ConnectorError(`${this.label} failed while ${doing}: ${reason(e)}`, notSent ? "not_sent" : "maybe_sent");
  }

  /** Forgets a broken connection (its next use connects again). */
  private async drop(client: Client): Promise<void> {
    if (this.client !== client) return;
    this.client = undefined;
    this.transport = undefined;
    this.invalidateTools();
    await client.close().catch(() => {});
  }

  private stderrHint(): string {
    const last = this.stderrTail.trim().split("\n").slice(-3).join(" | ");
    return last ? ` (its stderr: ${last.slice(-300)})` : "";
  }

  state(): McpConnectionState {
    const t = this.transport;
    return {
      key: this.key,
      system: this.target.system,
      workspaceId: this.target.workspaceId,
      transport: this.target.spec.url ? "http" : "stdio",
      connected: this.client !== undefined,
      pid: t instanceof StdioClientTransport ? t.pid : null,
      restarts: this.restarts,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.close().catch(() => {});
  }
}

/** Connections to upstream MCP servers, one per (tenant, workspace, system) and connector config. */
export class McpPool {
  private readonly connections = new Map<string, McpConnection>();

  /** `fetch` reaches Streamable HTTP servers (Tollgate's own passes the outbound address checks) */
  constructor(private readonly fetch?: FetchLike) {}

  for(target: McpTarget): McpConnection {
    const { tenantId, workspaceId, system, spec } = target;
    const config = JSON.stringify([spec.command ?? null, spec.args, spec.env, spec.url ?? null]);
    const key = `${tenantId}/${workspaceId}/${system}/${config}`;
    let c = this.connections.get(key);
    if (!c) {
      c = new McpConnection(key, target, this.fetch);
      this.connections.set(key, c);
    }
    return c;
  }

  states(): McpConnectionState[] {
    return [...this.connections.values()].map((c) => c.state());
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}

/** A tool of tools/list as Tollgate reads it. */
export function toDefinition(t: Tool): McpToolDefinition {
  return {
    name: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    inputSchema: t.inputSchema as Record<string, unknown>,
    ...(t.annotations ? { annotations: t.annotations } : {}),
  };
}

/** One-shot: connect, list the tools, close (for `tollgate init --from-mcp`). */
export async function listMcpTools(
  spec: { command: string; args?: string[]; env?: Record<string, string> } | { url: string },
  timeoutMs = 30_000,
): Promise<{ tools: McpToolDefinition[]; server?: { name: string; version: string } }> {
  const full: McpSpec =
    "url" in spec
      ? { type: "mcp", url: spec.url, args: [], env: {}, timeoutMs }
      : { type: "mcp", command: spec.command, args: spec.args ?? [], env: spec.env ?? {}, timeoutMs };
  const c = new McpConnection("init", { tenantId: "-", workspaceId: "-", system: "-", spec: full });
  try {
    const tools = [...(await c.listTools()).values()].map(toDefinition);
    const info = (await c.connected()).getServerVersion();
    return { tools, ...(info ? { server: { name: info.name, version: info.version } } : {}) };
  } finally {
    await c.close();
  }
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
