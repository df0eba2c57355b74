/**
 * A fake model provider for tests, the demo and the benchmark: answers OpenAI's chat completions
 * (`POST /v1/chat/completions`, JSON and `chat.completion.chunk` SSE) and Anthropic's Messages API
 * (`POST /v1/messages`, JSON and its event stream) with realistic bodies and token usage. It
 * records every request it receives (headers and body) so tests can prove what reached the
 * provider, e.g. that personal data was replaced before it left Tollgate.
 *
 * Behaviour is deterministic: when the request offers tools and the conversation has no tool
 * result yet, the model calls the first tool; otherwise it answers a short triage sentence.
 * Tokens are counted as ceil(characters / 4).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeModelRequest {
  seq: number;
  api: "openai" | "anthropic";
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface FakeModelOptions {
  port?: number;
  host?: string;
  /** the API key the provider accepts (Bearer for OpenAI, x-api-key for Anthropic) */
  apiKey?: string;
  /** models it serves; others answer 404 model_not_found */
  models?: readonly string[];
}

export interface FakeModelProvider {
  /** e.g. http://127.0.0.1:4020 */
  url: string;
  /** what an OpenAI client's baseURL would be: `${url}/v1` */
  openaiBaseUrl: string;
  /** what an Anthropic client's baseURL would be: `${url}` (it appends /v1/messages) */
  anthropicBaseUrl: string;
  apiKey: string;
  requests(api?: "openai" | "anthropic"): FakeModelRequest[];
  /** the next `count` requests answer `status` with the provider's error body */
  failNext(status: number, count?: number): void;
  /** a pause before answering and before each streamed chunk (0 by default): keeps calls in flight together */
  setDelay(ms: number): void;
  /** what the model answers from now on (a canary, say); undefined restores the default sentence */
  setReply(text: string | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

export const fakeModelApiKey = "sk-fake-provider-key-0123456789";
export const fakeModels: readonly string[] = ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4", "claude-3-5-haiku"];

const tokens = (text: string) => Math.ceil(text.length / 4);
const id = (prefix: string) => `${prefix}${randomBytes(12).toString("hex")}`;

/** All text of a request's prompt (system, messages, tool results), for counting input tokens. */
function promptText(body: Record<string, unknown>): string {
  return JSON.stringify([body.system ?? "", body.messages ?? [], body.tools ?? []]);
}

interface Tool {
  name: string;
}

function offeredTools(api: "openai" | "anthropic", body: Record<string, unknown>): Tool[] {
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  return tools.map((t) => ({
    name: String(api === "openai" ? (t.function as { name?: string } | undefined)?.name : t.name),
  }));
}

function hasToolResult(api: "openai" | "anthropic", body: Record<string, unknown>): boolean {
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  if (api === "openai") return messages.some((m) => m.role === "tool");
  return messages.some(
    (m) => Array.isArray(m.content) && (m.content as { type?: string }[]).some((c) => c.type === "tool_result"),
  );
}

/** The answer: a tool call, or text cut to max tokens. */
const defaultReply = "Triage: this is an export bug; component exports, priority normal.";

function answer(api: "openai" | "anthropic", body: Record<string, unknown>, reply = defaultReply) {
  const maxTokens = Number(body.max_completion_tokens ?? body.max_tokens ?? 4096);
  const tools = offeredTools(api, body);
  if (tools.length > 0 && !hasToolResult(api, body)) {
    const args = JSON.stringify({ q: "export missing column" });
    return { tool: { id: id(api === "openai" ? "call_" : "toolu_"), name: tools[0]?.name ?? "tool", args }, text: "" };
  }
  let text = reply;
  let truncated = false;
  if (tokens(text) > maxTokens) {
    text = text.slice(0, Math.max(0, maxTokens * 4));
    truncated = true;
  }
  return { text, truncated };
}

function pieces(text: string): string[] {
  return text.match(/.{1,12}/gs) ?? [];
}

export async function startFakeModel(opts: FakeModelOptions = {}): Promise<FakeModelProvider> {
  const apiKey = opts.apiKey ?? fakeModelApiKey;
  const models = new Set(opts.models ?? fakeModels);
  let records: FakeModelRequest[] = [];
  let seq = 0;
  let failures: { status: number; left: number } | undefined;
  let reply: string | undefined;
  let chunkDelayMs = 0;
  const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

  function openaiError(res: ServerResponse, status: number, type: string, code: string, message: string) {
    send(res, status, { error: { message, type, param: null, code } });
  }
  function anthropicError(res: ServerResponse, status: number, type: string, message: string) {
    send(res, status, { type: "error", error: { type, message } });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const api = path === "/v1/chat/completions" ? "openai" : path === "/v1/messages" ? "anthropic" : undefined;
    if (req.method !== "POST" || !api) return send(res, 404, { error: { message: `no route ${path}` } });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return api === "openai"
        ? openaiError(res, 400, "invalid_request_error", "invalid_json", "the body is not JSON")
        : anthropicError(res, 400, "invalid_request_error", "the body is not JSON");
    }
    records.push({ seq: ++seq, api, path, headers: req.headers, body });

    const authorized =
      api === "openai" ? req.headers.authorization === `Bearer ${apiKey}` : req.headers["x-api-key"] === apiKey;
    if (!authorized)
      return api === "openai"
        ? openaiError(res, 401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
        : anthropicError(res, 401, "authentication_error", "invalid x-api-key");
    if (failures && failures.left > 0) {
      failures.left--;
      const { status } = failures;
      return api === "openai"
        ? openaiError(res, status, status === 429 ? "rate_limit_error" : "server_error", "injected", "injected fault")
        : anthropicError(res, status, status === 429 ? "rate_limit_error" : "overloaded_error", "injected fault");
    }
    const model = String(body.model ?? "");
    if (!models.has(model))
      return api === "openai"
        ? openaiError(res, 404, "invalid_request_error", "model_not_found", `The model \`${model}\` does not exist.`)
        : anthropicError(res, 404, "not_found_error", `model: ${model}`);
    if (api === "anthropic" && typeof body.max_tokens !== "number")
      return anthropicError(res, 400, "invalid_request_error", "max_tokens: Field required");

    const input = tokens(promptText(body));
    const out = answer(api, body, reply);
    await sleep(chunkDelayMs);
    if (api === "openai")
      return body.stream === true ? openaiStream(res, body, input, out) : openaiJson(res, body, input, out);
    return body.stream === true ? anthropicStream(res, body, input, out) : anthropicJson(res, body, input, out);
  }

  type Out = ReturnType<typeof answer>;

  function openaiUsage(input: number, output: number) {
    return {
      prompt_tokens: input,
      completion_tokens: output,
      total_tokens: input + output,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
  }

  function openaiJson(res: ServerResponse, body: Record<string, unknown>, input: number, out: Out) {
    const output = out.tool ? tokens(out.tool.args) + 5 : tokens(out.text);
    send(res, 200, {
      id: id("chatcmpl-"),
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: out.tool ? null : out.text,
            refusal: null,
            annotations: [],
            ...(out.tool
              ? {
                  tool_calls: [
                    {
                      id: out.tool.id,
                      type: "function",
                      function: { name: out.tool.name, arguments: out.tool.args },
                    },
                  ],
                }
              : {}),
          },
          logprobs: null,
          finish_reason: out.tool ? "tool_calls" : out.truncated ? "length" : "stop",
        },
      ],
      usage: openaiUsage(input, output),
      service_tier: "default",
      system_fingerprint: "fp_fake0001",
    });
  }

  async function openaiStream(res: ServerResponse, body: Record<string, unknown>, input: number, out: Out) {
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    const base = {
      id: id("chatcmpl-"),
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      service_tier: "default",
      system_fingerprint: "fp_fake0001",
      ...(includeUsage ? { usage: null } : {}),
    };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: "assistant", content: out.tool ? null : "", refusal: null }));
    if (out.tool) {
      await sleep(chunkDelayMs);
      res.write(
        chunk({
          tool_calls: [
            { index: 0, id: out.tool.id, type: "function", function: { name: out.tool.name, arguments: "" } },
          ],
        }),
      );
      for (const p of pieces(out.tool.args)) {
        await sleep(chunkDelayMs);
        res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }));
      }
    } else {
      for (const p of pieces(out.text)) {
        await sleep(chunkDelayMs);
        res.write(chunk({ content: p }));
      }
    }
    res.write(chunk({}, out.tool ? "tool_calls" : out.truncated ? "length" : "stop"));
    if (includeUsage) {
      const output = out.tool ? tokens(out.tool.args) + 5 : tokens(out.text);
      res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: openaiUsage(input, output) })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  }

  function anthropicContent(out: Out) {
    return out.tool
      ? [{ type: "tool_use", id: out.tool.id, name: out.tool.name, input: JSON.parse(out.tool.args) }]
      : [{ type: "text", text: out.text }];
  }

  function anthropicUsage(input: number, output: number) {
    return {
      input_tokens: input,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: output,
      service_tier: "standard",
    };
  }

  const stopReason = (out: Out) => (out.tool ? "tool_use" : out.truncated ? "max_tokens" : "end_turn");

  function anthropicJson(res: ServerResponse, body: Record<string, unknown>, input: number, out: Out) {
    const output = out.tool ? tokens(out.tool.args) + 5 : tokens(out.text);
    send(res, 200, {
      id: id("msg_"),
      type: "message",
      role: "assistant",
      model: body.model,
      content: anthropicContent(out),
      stop_reason: stopReason(out),
      stop_sequence: null,
      usage: anthropicUsage(input, output),
    });
  }

  async function anthropicStream(res: ServerResponse, body: Record<string, unknown>, input: number, out: Out) {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    const event = (type: string, data: Record<string, unknown>) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event("message_start", {
      message: {
        id: id("msg_"),
        type: "message",
        role: "assistant",
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: anthropicUsage(input, 1),
      },
    });
    if (out.tool) {
      event("content_block_start", {
        index: 0,
        content_block: { type: "tool_use", id: out.tool.id, name: out.tool.name, input: {} },
      });
      for (const p of pieces(out.tool.args)) {
        await sleep(chunkDelayMs);
        event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: p } });
      }
    } else {
      event("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
      event("ping", {});
      for (const p of pieces(out.text)) {
        await sleep(chunkDelayMs);
        event("content_block_delta", { index: 0, delta: { type: "text_delta", text: p } });
      }
    }
    event("content_block_stop", { index: 0 });
    const output = out.tool ? tokens(out.tool.args) + 5 : tokens(out.text);
    event("message_delta", {
      delta: { stop_reason: stopReason(out), stop_sequence: null },
      usage: { output_tokens: output },
    });
    event("message_stop", {});
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { message: String((e as Error).message) } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${opts.host ?? "127.0.0.1"}:${address.port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    apiKey,
    requests: (api) => records.filter((r) => !api || r.api === api),
    failNext(status, count = 1) {
      failures = { status, left: count };
    },
    setReply(text) {
      reply = text;
    },
    setDelay(ms) {
      chunkDelayMs = ms;
    },
    reset() {
      records = [];
      failures = undefined;
      reply = undefined;
      chunkDelayMs = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
