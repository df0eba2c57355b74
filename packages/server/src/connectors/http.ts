import { EventEmitter } from "node:events";
import type { Readable } from "node:stream";
import { Agent, type Dispatcher } from "undici";
import { requestTarget } from "./target.js";
import { ConnectorError, type Connector, type ConnectorRequest, type ConnectorResult } from "./types.js";

const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const maxBodyBytes = 8 * 1024 * 1024;

/**
 * The `http` connector: path parameters from the arguments, the listed `query` arguments (all
 * remaining ones for GET and DELETE) in the query string, the rest as a JSON body. Connections
 * are pooled and kept alive.
 */
export class HttpConnector implements Connector {
  constructor(private readonly dispatcher: Agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 })) {}

  async call(req: ConnectorRequest): Promise<ConnectorResult> {
    const { action } = req;
    const spec = action.http ?? { method: "POST", path: `/${action.action}` };
    const connector = action.connector as { baseUrl: string; timeoutMs?: number; headers?: Record<string, string> };
    const base = requestTarget(connector.baseUrl);
    const { path, body } = buildRequest(spec, req.args);
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": "tollgate",
      ...(connector.headers ?? {}),
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (req.authorization) headers.authorization = req.authorization;
    if (req.traceparent) headers.traceparent = req.traceparent;
    if (req.idempotencyKey) headers["idempotency-key"] = req.idempotencyKey;
    const timeout = connector.timeoutMs ?? 10_000;
    // One deadline for the whole exchange, cleared when it ends (AbortSignal.timeout would keep
    // every call's signal and timer alive for the full timeout: old-generation garbage per call).
    // undici takes an EventEmitter as the signal: an AbortController is an EventTarget, several
    // times the work to make and to listen on, for a deadline that almost never fires.
    const deadline = new EventEmitter();
    const timer = setTimeout(() => deadline.emit("abort"), timeout);
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      try {
        // origin and path, not a URL string: undici would parse the URL on every request
        res = await this.dispatcher.request({
          origin: base.origin,
          path: base.path + path,
          method: spec.method as "GET",
          headers,
          body: body === undefined ? null : JSON.stringify(body),
          headersTimeout: timeout,
          bodyTimeout: timeout,
          signal: deadline,
        });
      } catch (e) {
        throw classify(e, timeout);
      }
      text = await readBody(res.body, timeout);
    } finally {
      clearTimeout(timer);
    }
    const parsed = parseBody(text, String(res.headers["content-type"] ?? ""));
    if (res.statusCode >= 400) {
      const retryAfter = parseRetryAfter(res.headers["retry-after"]);
      throw new ConnectorError(
        `upstream answered ${res.statusCode}${messageOf(parsed)}`,
        "answered",
        res.statusCode,
        retryAfter,
        parsed,
      );
    }
    return { status: res.statusCode, body: parsed };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** The request's path below the base URL (with its query string) and its JSON body, from the arguments. */
export function buildRequest(
  spec: { method: string; path: string; query?: string[] | undefined; body?: string | undefined },
  args: Record<string, unknown>,
): { path: string; body?: Record<string, unknown> } {
  const rest: Record<string, unknown> = { ...args };
  const path = spec.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const v = rest[name];
    delete rest[name];
    return encodeURIComponent(String(v ?? ""));
  });
  const queryNames = spec.query ?? (spec.method === "GET" || spec.method === "DELETE" ? Object.keys(rest) : []);
  const qs = new URLSearchParams();
  for (const name of queryNames) {
    const v = rest[name];
    delete rest[name];
    if (v === undefined || v === null) continue;
    qs.append(name, typeof v === "object" ? JSON.stringify(v) : String(v));
  }
  const full = `${path}${qs.size > 0 ? `?${qs}` : ""}`;
  const sendsBody = spec.body !== "none" && !["GET", "DELETE", "HEAD"].includes(spec.method);
  return sendsBody ? { path: full, body: rest } : { path: full };
}

/**
 * The body as text, refused past maxBodyBytes. Read through events rather than an async
 * iterator: the iterator's generator, promise per chunk and end-of-stream watcher cost more than
 * the rest of reading a small JSON answer.
 */
function readBody(body: Readable, timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    body.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        body.destroy();
        reject(new ConnectorError(`upstream answer is larger than ${maxBodyBytes} bytes`, "answered"));
        return;
      }
      chunks.push(chunk);
    });
    body.once("end", () => {
      // most answers arrive in one chunk: no copy then
      const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      resolve(whole.toString("utf8"));
    });
    body.once("error", (e) => reject(classify(e, timeout)));
  });
}

function classify(e: unknown, timeout: number): ConnectorError {
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? "";
  // the outbound address check refused the address before connecting (identity/outbound.ts)
  if (code === "EOUTBOUND_REFUSED") {
    const refused = err.code === code ? err : err.cause;
    return new ConnectorError((refused as Error).message, "not_sent");
  }
  if (notSentCodes.has(code)) return new ConnectorError(`could not connect to the upstream (${code})`, "not_sent");
  if (
    err.name === "TimeoutError" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    err.name === "AbortError"
  ) {
    return new ConnectorError(`upstream did not answer within ${timeout} ms`, "maybe_sent");
  }
  return new ConnectorError(`upstream connection failed (${code || err.message || "unknown error"})`, "maybe_sent");
}

function parseBody(text: string, contentType: string): unknown {
  if (text.length === 0) return null;
  if (contentType.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function messageOf(body: unknown): string {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const m = b.message ?? b.error ?? b.detail;
    if (typeof m === "string") return `: ${m.slice(0, 300)}`;
  }
  if (typeof body === "string" && body.length > 0) return `: ${body.slice(0, 300)}`;
  return "";
}

export function parseRetryAfter(h: string | string[] | undefined): number | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
