import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { actionsVisibleToAgents, type CompiledAction, TollgateError } from "@tollgate/core";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  type CallToolRequest,
  type CallToolResult,
  CallToolRequestSchema,
  ErrorCode,
  isInitializeRequest,
  isJSONRPCNotification,
  isJSONRPCRequest,
  ListToolsRequestSchema,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { ToolCallView } from "../calls/view.js";
import { terminalCallStatuses } from "../calls/view.js";
import { abortOnClose } from "../http/abort-on-close.js";
import { can, requireRole } from "../identity/access.js";
import type { Principal } from "../identity/principal.js";
import type { Services } from "../services.js";

export interface McpGatewayOptions {
  /** how long tools/call waits for a human's approval (with progress notifications) before answering "pending" */
  approvalWaitMs: number;
  /** how often a waiting tools/call sends a progress notification */
  progressEveryMs: number;
  /** a session nobody used for this long is closed */
  idleSessionMs: number;
}

export const defaultMcpGatewayOptions: McpGatewayOptions = {
  approvalWaitMs: 30_000,
  progressEveryMs: 5_000,
  idleSessionMs: 30 * 60_000,
};

export const checkCallTool = "tollgate__check_call";

interface Session {
  id?: string;
  transport: StreamableHTTPServerTransport;
  server: Server;
  principal: Principal;
  workspace: string;
  workflow: string;
  runId: string;
  lastSeen: number;
  /** tools/calls answered as JSON still running, by JSON-RPC id: notifications/cancelled ends them */
  plainCalls: Map<RequestId, AbortController>;
}

/** A JSON-RPC error the MCP client can read, for requests refused before the transport sees them. */
function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}

/**
 * The agent side of the MCP gateway: `/mcp/{ws}/{workflow}` speaks Streamable HTTP with the
 * SDK's server. One MCP session is one run (or the run named by `x-tollgate-run`). It is a thin
 * adapter: tools/list shows the boundary, tools/call is `CallService.call`, nothing is decided here.
 */
export class McpGateway {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly s: Services,
    private readonly opts: McpGatewayOptions = defaultMcpGatewayOptions,
  ) {
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(60_000, opts.idleSessionMs)).unref();
  }

  /**
   * One HTTP request of the transport (POST, GET for the server's stream, DELETE to end). Errors
   * thrown before the transport takes over (authentication, an unknown workflow) are the API's
   * problem answers; after that the transport owns the response.
   */
  async handle(
    principal: Principal,
    params: { ws: string; workflow: string },
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    hijack: () => void,
  ): Promise<void> {
    const sid = req.headers["mcp-session-id"];
    let session: Session | undefined;
    if (typeof sid === "string") {
      session = this.sessions.get(sid);
      if (
        !session ||
        session.principal.keyId !== principal.keyId ||
        session.workspace !== params.ws ||
        session.workflow !== params.workflow
      ) {
        hijack();
        return rpcError(res, 404, -32001, "Session not found");
      }
      session.principal = principal;
    } else if (req.method === "POST" && isInitializeRequest(body)) {
      session = await this.open(principal, params, req, body);
    } else {
      hijack();
      return rpcError(res, 400, -32000, "Bad Request: no valid session id; start with an initialize request");
    }
    session.lastSeen = Date.now();
    hijack();
    const plain = req.method === "POST" ? plainToolCall(req, body) : undefined;
    if (plain) return this.answerAsJson(session, plain, res);
    if (req.method === "POST") cancelPlainCalls(session, body);
    await session.transport.handleRequest(req, res, body);
  }

  /**
   * A tools/call that asks for no progress, answered here as one JSON body (Streamable HTTP lets
   * a server answer a request with JSON or an event stream). The SDK's transport answers every
   * request as an event stream (its JSON mode is per transport and drops notifications), which
   * costs the server web streams and a separate write for the headers, and every SDK client a
   * stream parser per call. Without a progress token the call gets no notifications, so nothing
   * is lost. Its approval wait ends when the client cancels it (notifications/cancelled, as the
   * SDK's server does) or closes the request (as the HTTP API's waits end); a thrown error is a
   * JSON-RPC error, as the SDK's server makes it.
   */
  private async answerAsJson(session: Session, call: PlainToolCall, res: ServerResponse): Promise<void> {
    const cancel = new AbortController();
    abortOnClose(res, cancel);
    session.plainCalls.set(call.id, cancel);
    let message: Record<string, unknown>;
    try {
      const result = await this.toolCall(session, call.params, noProgress, cancel.signal);
      message = { jsonrpc: "2.0", id: call.id, result };
    } catch (e) {
      const error = e as { code?: unknown; message?: string };
      const code = Number.isSafeInteger(error.code) ? error.code : ErrorCode.InternalError;
      message = { jsonrpc: "2.0", id: call.id, error: { code, message: error.message ?? "Internal error" } };
    } finally {
      session.plainCalls.delete(call.id);
    }
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(200, { "content-type": "application/json", ...(session.id ? { "mcp-session-id": session.id } : {}) });
    res.end(JSON.stringify(message));
  }

  /** tools/call, from the SDK's server or answered as JSON: the check tool or a governed call. */
  private toolCall(
    session: Session,
    params: CallToolRequest["params"],
    progress: Progress,
    signal: AbortSignal,
  ): Promise<CallToolResult> {
    const args = (params.arguments ?? {}) as Record<string, unknown>;
    if (params.name === checkCallTool) return this.checkCall(session, args, progress, signal);
    return this.callTool(session, params.name, args, progress, signal);
  }

  /** A new session: its run (started here unless x-tollgate-run names one), its server, its transport. */
  private async open(
    principal: Principal,
    params: { ws: string; workflow: string },
    req: IncomingMessage,
    body: { params: { clientInfo?: { name?: string } } },
  ): Promise<Session> {
    requireRole(principal, can.act);
    const named = req.headers["x-tollgate-run"];
    let runId: string;
    if (typeof named === "string" && named.length > 0) {
      const run = await this.s.runs.get(principal, named);
      if (run.workspaceId !== params.ws || run.workflow !== params.workflow)
        throw new TollgateError(
          "not_found",
          `no run ${named} of workflow ${params.workflow} in workspace ${params.ws}`,
        );
      if (run.status !== "running") throw new TollgateError("run_not_running", `run ${named} is ${run.status}`);
      runId = run.id;
    } else {
      const agent = body.params.clientInfo?.name?.slice(0, 200);
      const run = await this.s.runs.start(principal, {
        workspace: params.ws,
        workflow: params.workflow,
        ...(agent ? { agent } : {}),
        labels: { via: "mcp" },
      });
      runId = run.id;
    }
    const server = new Server(
      { name: "tollgate", version: "0.1.0" },
      {
        capabilities: { tools: {} },
        instructions:
          `Tools of workflow ${params.workflow}, governed by Tollgate (run ${runId}). A call that needs a human's ` +
          `approval answers "pending" with a call id; ${checkCallTool} returns its outcome later.`,
      },
    );
    const session: Session = {
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          session.id = id;
          this.sessions.set(id, session);
        },
      }),
      server,
      principal,
      workspace: params.ws,
      workflow: params.workflow,
      runId,
      lastSeen: Date.now(),
      plainCalls: new Map(),
    };
    session.transport.onclose = () => {
      if (session.id) this.sessions.delete(session.id);
    };
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await this.listTools(session) }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
      this.toolCall(
        session,
        request.params,
        progressSender(request.params._meta?.progressToken, extra.sendNotification),
        extra.signal,
      ),
    );
    await server.connect(session.transport);
    return session;
  }

  /** The boundary's actions an agent may use (never the blocked-by-default ones), and the check tool. */
  private async listTools(session: Session): Promise<Tool[]> {
    const { tenantId } = session.principal;
    const run = await this.s.runs.get(session.principal, session.runId);
    const wf = await this.s.workflows.compiledVersion(tenantId, run.workspaceId, run.workflow, run.workflowVersion);
    const pinned = await this.s.mcp.pins.definitions(tenantId, run.workspaceId, wf);
    const tools = actionsVisibleToAgents(wf).map((a) => toolOf(a, pinned.get(a.id)));
    tools.push({
      name: checkCallTool,
      description:
        "Tollgate: the outcome of an earlier tool call that was pending a human's approval. " +
        "Give the callId it answered; wait (seconds, up to 60) waits for the decision.",
      inputSchema: {
        type: "object",
        properties: { callId: { type: "string" }, wait: { type: "number", minimum: 0, maximum: 60 } },
        required: ["callId"],
        additionalProperties: false,
      },
      annotations: { title: "Check a pending tool call", readOnlyHint: true },
    });
    return tools;
  }

  private async callTool(
    session: Session,
    tool: string,
    args: Record<string, unknown>,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<CallToolResult> {
    try {
      const answer = await this.s.calls.call(session.principal, session.runId, { tool, args, wait: 0 }, signal);
      let view = answer.body as ToolCallView;
      if (view.status === "pending_approval")
        view = await this.awaitDecision(session, view, this.opts.approvalWaitMs, progress, signal);
      return resultOf(view);
    } catch (e) {
      return errorResult(e);
    }
  }

  private async checkCall(
    session: Session,
    args: Record<string, unknown>,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<CallToolResult> {
    const callId = args.callId;
    if (typeof callId !== "string" || callId.length === 0) {
      return errorResult(new TollgateError("invalid_arguments", "give the callId of the call to check"));
    }
    const wait = typeof args.wait === "number" ? Math.max(0, Math.min(60, args.wait)) * 1000 : 0;
    try {
      const view = (await this.s.calls.get(session.principal, callId, 0)) as ToolCallView;
      if (view.runId !== session.runId) throw new TollgateError("not_found", `no tool call ${callId} in this run`);
      return resultOf(await this.awaitDecision(session, view, wait, progress, signal));
    } catch (e) {
      return errorResult(e);
    }
  }

  /** Waits for a pending call's outcome up to the bound, telling the client it is still waiting. */
  private async awaitDecision(
    session: Session,
    view: ToolCallView,
    boundMs: number,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<ToolCallView> {
    const started = Date.now();
    let current = view;
    while (!terminalCallStatuses.has(current.status) && !signal.aborted) {
      const left = boundMs - (Date.now() - started);
      if (left <= 0) break;
      const step = Math.min(left, this.opts.progressEveryMs);
      current = (await this.s.calls.get(session.principal, view.id, step / 1000, signal)) as ToolCallView;
      if (!terminalCallStatuses.has(current.status)) {
        await progress(
          Math.round((Date.now() - started) / 1000),
          Math.round(boundMs / 1000),
          `${current.tool} is waiting for a human's approval (call ${current.id})`,
        );
      }
    }
    return current;
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.opts.idleSessionMs;
    for (const session of this.sessions.values()) {
      if (session.lastSeen < cutoff) void session.transport.close().catch(() => {});
    }
  }

  /** Open sessions (for tests and operations). */
  sessionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((x) => x.transport.close().catch(() => {})));
  }
}

type Progress = (progress: number, total: number, message: string) => Promise<void>;

const noProgress: Progress = async () => {};

interface PlainToolCall {
  id: RequestId;
  params: CallToolRequest["params"];
}

/**
 * The request when it is one well-formed tools/call without a progress token, from a client
 * that accepts JSON, in a protocol version this SDK speaks; otherwise undefined, and the SDK's
 * transport handles it (and answers whatever is wrong with it).
 */
function plainToolCall(req: IncomingMessage, body: unknown): PlainToolCall | undefined {
  if (!isJSONRPCRequest(body) || body.method !== "tools/call") return undefined;
  if (!req.headers.accept?.includes("application/json")) return undefined;
  const version = req.headers["mcp-protocol-version"];
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return undefined;
  const parsed = CallToolRequestSchema.safeParse(body);
  if (!parsed.success || parsed.data.params._meta?.progressToken !== undefined) return undefined;
  return { id: body.id, params: parsed.data.params };
}

/** notifications/cancelled (alone or in a batch) for calls answered as JSON: their waits end. */
function cancelPlainCalls(session: Session, body: unknown): void {
  if (session.plainCalls.size === 0) return;
  for (const message of Array.isArray(body) ? body : [body]) {
    if (isJSONRPCNotification(message) && message.method === "notifications/cancelled")
      session.plainCalls.get(message.params?.requestId as RequestId)?.abort();
  }
}

function progressSender(
  token: string | number | undefined,
  send: (n: { method: "notifications/progress"; params: Record<string, unknown> }) => Promise<void>,
): Progress {
  if (token === undefined) return noProgress;
  let last = -1;
  return async (progress, total, message) => {
    // progress must increase with every notification
    const value = Math.max(progress, last + 1);
    last = value;
    await send({
      method: "notifications/progress",
      params: { progressToken: token, progress: value, total, message },
    }).catch(() => {});
  };
}

/** An action as an MCP tool: manifest schema and description first, else the pinned upstream ones. */
function toolOf(a: CompiledAction, pinned?: { description: string | null; inputSchema: unknown }): Tool {
  const schema = (a.inputSchema ?? pinned?.inputSchema ?? {}) as Record<string, unknown>;
  return {
    name: a.toolName,
    description: a.description ?? pinned?.description ?? `${a.id} (${a.class})`,
    inputSchema: { ...schema, type: "object" },
    annotations: {
      title: a.id,
      readOnlyHint: a.class === "READ",
      destructiveHint: a.class === "DELETE",
      openWorldHint: a.class === "EXTERNAL_SEND",
    },
  };
}

/** A call's state as a tool result: the upstream's own content when it was an MCP tool. */
function resultOf(view: ToolCallView): CallToolResult {
  switch (view.status) {
    case "succeeded": {
      const r = view.result as { content?: unknown; structuredContent?: unknown } | undefined;
      if (r && Array.isArray(r.content)) {
        return {
          content: r.content as CallToolResult["content"],
          ...(r.structuredContent && typeof r.structuredContent === "object"
            ? { structuredContent: r.structuredContent as Record<string, unknown> }
            : {}),
        };
      }
      return {
        content: [{ type: "text", text: JSON.stringify(view.result ?? null) }],
        ...(view.result && typeof view.result === "object" && !Array.isArray(view.result)
          ? { structuredContent: view.result as Record<string, unknown> }
          : {}),
      };
    }
    case "pending_approval":
    case "approved":
    case "executing":
      return {
        content: [
          {
            type: "text",
            text:
              view.status === "pending_approval"
                ? `${view.tool} needs a human's approval and is pending as call ${view.id}. It runs once approved; ` +
                  `call ${checkCallTool} with {"callId":"${view.id}"} to get its outcome.`
                : `${view.tool} was approved and is running as call ${view.id}; call ${checkCallTool} with {"callId":"${view.id}"} to get its outcome.`,
          },
        ],
        structuredContent: {
          status: view.status,
          callId: view.id,
          ...(view.approvalId ? { approvalId: view.approvalId } : {}),
        },
      };
    default: {
      const error = view.error as { code?: string; message?: string } | undefined;
      const why = error?.message ?? view.reason;
      return {
        isError: true,
        content: [{ type: "text", text: `${view.tool} ${view.status}${why ? `: ${why}` : ""} (call ${view.id})` }],
        structuredContent: { status: view.status, callId: view.id, ...(error?.code ? { code: error.code } : {}) },
      };
    }
  }
}

/** A refusal or failure as a tool result with isError, so the model reads the reason. */
function errorResult(e: unknown): CallToolResult {
  if (!(e instanceof TollgateError)) throw e;
  const callId = typeof e.extra.callId === "string" ? e.extra.callId : undefined;
  return {
    isError: true,
    content: [{ type: "text", text: `${e.code}: ${e.message}` }],
    structuredContent: { code: e.code, message: e.message, ...(callId ? { callId } : {}) },
  };
}
