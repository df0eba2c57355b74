import type { TokenUsage } from "@tollgate/core";
import type { SseEvent } from "./sse.js";

export type ModelApi = "openai" | "anthropic";

/** What the proxy needs to know of a request in either API's shape. */
export interface WireRequest {
  model: string;
  stream: boolean;
  /** the request's output bound, or undefined when it gave none */
  maxTokens: number | undefined;
  /** the parts that carry prompt text (redacted before they leave) */
  prompt: Record<string, unknown>;
  messageCount: number;
}

/** Reads a request body of one API. The body was validated by the route's schema. */
export function readRequest(api: ModelApi, body: Record<string, unknown>): WireRequest {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const maxTokens = (api === "openai" ? (body.max_completion_tokens ?? body.max_tokens) : body.max_tokens) as
    | number
    | undefined;
  return {
    model: String(body.model),
    stream: body.stream === true,
    maxTokens,
    prompt: api === "anthropic" && body.system !== undefined ? { system: body.system, messages } : { messages },
    messageCount: messages.length + (body.system !== undefined ? 1 : 0),
  };
}

/**
 * The body sent upstream: the redacted prompt in place of the original, an output bound when the
 * agent gave none (so the reservation is a true bound), and for OpenAI streams a request for the
 * usage chunk. Everything else (tools, temperature, response_format, …) passes through untouched.
 */
export function upstreamBody(
  api: ModelApi,
  body: Record<string, unknown>,
  redactedPrompt: Record<string, unknown>,
  maxTokens: number,
  gaveMaxTokens: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, ...redactedPrompt };
  if (api === "openai") {
    if (!gaveMaxTokens) out.max_completion_tokens = maxTokens;
    if (out.stream === true)
      out.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
  } else if (!gaveMaxTokens) out.max_tokens = maxTokens;
  return out;
}

/** The provider's endpoint for the API spoken. */
export function upstreamUrl(api: ModelApi, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  return api === "openai" ? `${base}/chat/completions` : `${base}/v1/messages`;
}

export function upstreamHeaders(
  api: ModelApi,
  apiKey: string,
  agentHeaders: Record<string, string | string[] | undefined>,
): Record<string, string> {
  if (api === "openai") return { "content-type": "application/json", authorization: `Bearer ${apiKey}` };
  const beta = agentHeaders["anthropic-beta"];
  return {
    "content-type": "application/json",
    "x-api-key": apiKey,
    "anthropic-version": String(agentHeaders["anthropic-version"] ?? "2023-06-01"),
    ...(typeof beta === "string" ? { "anthropic-beta": beta } : {}),
  };
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);

/** Usage from a non-streamed response body, if it reports one. */
export function usageOfBody(api: ModelApi, body: unknown): TokenUsage | undefined {
  const u = (body as { usage?: Record<string, unknown> } | null)?.usage;
  if (!u || typeof u !== "object") return undefined;
  if (api === "openai") return { inputTokens: num(u.prompt_tokens), outputTokens: num(u.completion_tokens) };
  return {
    inputTokens: num(u.input_tokens) + num(u.cache_creation_input_tokens) + num(u.cache_read_input_tokens),
    outputTokens: num(u.output_tokens),
  };
}

/**
 * Follows a stream's events for usage. OpenAI sends it in a last chunk (asked for with
 * `stream_options.include_usage`); Anthropic sends input tokens in `message_start` and the
 * running output count in `message_delta`.
 */
export class StreamUsage {
  private input: number | undefined;
  private output: number | undefined;
  private done = false;

  constructor(private readonly api: ModelApi) {}

  see(e: SseEvent): void {
    if (e.data === "[DONE]") return;
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(e.data) as Record<string, unknown>;
    } catch {
      return;
    }
    if (this.api === "openai") {
      const u = usageOfBody("openai", data);
      if (u) {
        this.input = u.inputTokens;
        this.output = u.outputTokens;
        this.done = true;
      }
      return;
    }
    if (data.type === "message_start") {
      const u = usageOfBody("anthropic", data.message);
      if (u) {
        this.input = u.inputTokens;
        this.output = u.outputTokens;
      }
    } else if (data.type === "message_delta") {
      const u = (data.usage ?? {}) as Record<string, unknown>;
      if (typeof u.output_tokens === "number") this.output = num(u.output_tokens);
      if (typeof u.input_tokens === "number") this.input = num(u.input_tokens);
      this.done = true;
    }
  }

  /** The reported usage, once the provider has reported the whole of it. */
  final(): TokenUsage | undefined {
    return this.done && this.input !== undefined && this.output !== undefined
      ? { inputTokens: this.input, outputTokens: this.output }
      : undefined;
  }
}
