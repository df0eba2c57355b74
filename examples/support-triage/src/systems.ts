/**
 * The example systems of the support-triage workflow: a helpdesk, an issue tracker and a chat, played by one
 * local HTTP server (node:http, JSON everywhere) under the path prefixes `/helpdesk`, `/tracker` and `/chat`.
 *
 * Each system demands its own bearer token. Every request to a system is recorded (method, path, headers, body)
 * so tests can count upstream calls and prove which credentials reached the upstream. Faults (latency, errors,
 * forced statuses with Retry-After, hung requests, reset connections) can be injected per system or for all,
 * through the returned object or the control API under `/_control`.
 *
 * The server is also the "direct" baseline of the latency benchmarks, so the request path is kept lean:
 * no logging, keep-alive on, no body read for requests without one.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ChatMessage, type Issue, seedIssues, seedTickets, type Ticket } from "./seed.js";

export type SystemName = "helpdesk" | "tracker" | "chat";
export const SYSTEM_NAMES: readonly SystemName[] = ["helpdesk", "tracker", "chat"];

export interface SystemTokens {
  helpdesk: string;
  tracker: string;
  chat: string;
}

export const DEFAULT_TOKENS: Readonly<SystemTokens> = Object.freeze({
  helpdesk: "helpdesk-demo-token",
  tracker: "tracker-demo-token",
  chat: "chat-demo-token",
});

/**
 * A fault to inject. Without `system` it applies to all three systems (a system's own fault, if set, wins).
 * Setting a fault replaces the previous one of the same scope. Precedence on a request: latency first, then
 * `reset`, then `status`, then `errorRate`, then `timeout`.
 */
export interface Faults {
  system?: SystemName;
  /** Wait this long before doing anything else with the request. */
  latencyMs?: number;
  /** Probability (0..1) of answering 500 or 503 (chosen at random) instead of handling the request. */
  errorRate?: number;
  /** Answer every affected request with this status (and a JSON error body) instead of handling it. */
  status?: number;
  /** How many requests the fault affects before it clears itself; default: until cleared. */
  count?: number;
  /** Seconds; sent as `Retry-After` with a forced status and with injected 503s. */
  retryAfter?: number;
  /**
   * Accept the request, record it, apply its effect (an issue really is created), but never answer:
   * the caller sees a timeout after sending. The connection stays open until `hangMs` passes (then it is
   * destroyed, still without an answer) or the server closes.
   */
  timeout?: boolean;
  hangMs?: number;
  /** Destroy the connection without answering (and without applying the request's effect). */
  reset?: boolean;
}

/** A fault as currently set: its scope and how many requests it still affects. */
export interface ActiveFault extends Faults {
  scope: SystemName | "all";
  remaining?: number;
}

export type InjectedFault = "latency" | "status" | "error" | "timeout" | "reset";

export interface ReceivedRequest {
  /** 1-based order of arrival. */
  seq: number;
  /** Arrival time, ms since the epoch. */
  time: number;
  method: string;
  /** Full path without the query, e.g. `/tracker/issues/101`. */
  path: string;
  /** The path inside the system, e.g. `/issues/101`. */
  subpath: string;
  /** The raw query string without `?` ("" when there is none). */
  search: string;
  system: SystemName | null;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when there is none. */
  body: unknown;
  /** Faults injected into this request (latency and at most one of the others). */
  faults: InjectedFault[];
}

export interface RequestFilter {
  system?: SystemName;
  method?: string;
  /** Matches the full path (`/tracker/issues`) or the path inside the system (`/issues`). */
  pathPrefix?: string;
}

export interface ExampleSystemsOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  tokens?: Partial<SystemTokens>;
  /** Keep at most this many received requests (oldest dropped first); default 100,000. */
  recordLimit?: number;
  /** Also accept a bearer token this says is valid (e.g. an OAuth access token a test's provider issued). */
  acceptBearer?: (system: SystemName, token: string) => boolean;
}

export interface ExampleSystems {
  /** e.g. `http://127.0.0.1:4010` (no trailing slash). */
  url: string;
  port: number;
  host: string;
  tokens: Readonly<SystemTokens>;
  /** The base URL of one system, e.g. `http://127.0.0.1:4010/tracker`. */
  baseUrl(system: SystemName): string;
  close(): Promise<void>;
  setFaults(faults: Faults): void;
  /** Clears the faults of one scope (a system, or "all"), or every fault when called without an argument. */
  clearFaults(scope?: SystemName | "all"): void;
  faults(): ActiveFault[];
  /** Received requests to the systems (control API calls are not recorded), oldest first. */
  requests(filter?: RequestFilter): ReceivedRequest[];
  count(system?: SystemName, method?: string, pathPrefix?: string): number;
  /** The Authorization header values received, in order (requests without one are skipped). */
  authorizations(system?: SystemName): string[];
  /** Snapshots of the systems' current data. */
  tickets(): Ticket[];
  issues(): Issue[];
  messages(): ChatMessage[];
  /** Back to the seed data; clears the recorded requests and all faults. */
  reset(): void;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface FaultState {
  spec: Faults;
  remaining: number | undefined;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 1024 * 1024;
const PROJECT_PATTERN = /^[A-Z][A-Z0-9]{1,9}$/;

export async function startExampleSystems(opts: ExampleSystemsOptions = {}): Promise<ExampleSystems> {
  const tokens: Readonly<SystemTokens> = Object.freeze({ ...DEFAULT_TOKENS, ...definedOnly(opts.tokens ?? {}) });
  const expectedAuth: Record<SystemName, string> = {
    helpdesk: `Bearer ${tokens.helpdesk}`,
    tracker: `Bearer ${tokens.tracker}`,
    chat: `Bearer ${tokens.chat}`,
  };
  const recordLimit = Math.max(1, opts.recordLimit ?? 100_000);

  // ---- state ----
  let tickets = new Map<string, Ticket>();
  let issues = new Map<string, Issue>();
  let messages: ChatMessage[] = [];
  let issueSeq = 0;
  let projectSeq = new Map<string, number>();
  let messageSeq = 0;
  let records: ReceivedRequest[] = [];
  let requestSeq = 0;
  const faultRules = new Map<SystemName | "all", FaultState>();
  const timers = new Set<NodeJS.Timeout>();

  function seed(): void {
    tickets = new Map(seedTickets().map((t) => [t.id, t]));
    const seeded = seedIssues();
    issues = new Map(seeded.map((i) => [i.id, i]));
    issueSeq = Math.max(...seeded.map((i) => Number(i.id)));
    projectSeq = new Map();
    for (const issue of seeded) {
      const n = Number(issue.key.slice(issue.project.length + 1));
      projectSeq.set(issue.project, Math.max(projectSeq.get(issue.project) ?? 0, n));
    }
    messages = [];
    messageSeq = 0;
  }
  seed();

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  // ---- faults ----
  function setFaults(input: Faults): void {
    const spec = validateFaults(input);
    const scope = spec.system ?? "all";
    faultRules.set(scope, { spec, remaining: spec.count });
  }

  function clearFaults(scope?: SystemName | "all"): void {
    if (scope === undefined) faultRules.clear();
    else faultRules.delete(scope);
  }

  function activeFaults(): ActiveFault[] {
    return [...faultRules].map(([scope, state]) => ({
      scope,
      ...state.spec,
      ...(state.remaining === undefined ? {} : { remaining: state.remaining }),
    }));
  }

  /** Takes the fault that applies to one request of `system`, counting it against the fault's `count`. */
  function takeFault(system: SystemName): Faults | undefined {
    let scope: SystemName | "all" = system;
    let state = faultRules.get(system);
    if (!state) {
      scope = "all";
      state = faultRules.get("all");
      if (!state) return undefined;
    }
    if (state.remaining !== undefined) {
      state.remaining -= 1;
      if (state.remaining <= 0) faultRules.delete(scope);
    }
    return state.spec;
  }

  // ---- recording ----
  function record(entry: Omit<ReceivedRequest, "seq">): ReceivedRequest {
    const rec = { seq: ++requestSeq, ...entry };
    if (records.length >= recordLimit) records.splice(0, Math.max(1, Math.ceil(recordLimit / 10)));
    records.push(rec);
    return rec;
  }

  function matches(r: ReceivedRequest, f: RequestFilter): boolean {
    if (f.system !== undefined && r.system !== f.system) return false;
    if (f.method !== undefined && r.method !== f.method.toUpperCase()) return false;
    if (f.pathPrefix !== undefined && !r.path.startsWith(f.pathPrefix) && !r.subpath.startsWith(f.pathPrefix)) {
      return false;
    }
    return true;
  }

  function listRequests(filter: RequestFilter = {}): ReceivedRequest[] {
    return records.filter((r) => matches(r, filter));
  }

  function countRequests(system?: SystemName, method?: string, pathPrefix?: string): number {
    if (system === undefined && method === undefined && pathPrefix === undefined) return records.length;
    const filter: RequestFilter = { system, method, pathPrefix };
    let n = 0;
    for (const r of records) if (matches(r, filter)) n++;
    return n;
  }

  // ---- the systems ----
  function helpdesk(method: string, parts: string[], query: URLSearchParams, body: unknown): Reply {
    if (parts[0] !== "tickets") throw notFound();
    if (parts.length === 1) {
      allow(method, "GET");
      const status = query.get("status");
      if (status !== null && status !== "open" && status !== "closed") {
        throw new HttpProblem(400, "invalid_request", 'status must be "open" or "closed"');
      }
      const items = [...tickets.values()].filter((t) => status === null || t.status === status);
      return { status: 200, body: { items, total: items.length } };
    }
    const ticket = tickets.get(parts[1] as string);
    if (parts.length === 2) {
      allow(method, "GET");
      if (!ticket) throw notFound(`ticket ${parts[1]} not found`);
      return { status: 200, body: ticket };
    }
    if (parts.length === 3 && parts[2] === "close") {
      allow(method, "POST");
      if (!ticket) throw notFound(`ticket ${parts[1]} not found`);
      const b = objectBody(body, true);
      const resolution = optionalString(b, "resolution");
      const linkedIssue = optionalString(b, "linkedIssue");
      if (ticket.status !== "closed") {
        ticket.status = "closed";
        ticket.closedAt = new Date().toISOString();
      }
      if (resolution !== undefined) ticket.resolution = resolution;
      if (linkedIssue !== undefined) ticket.linkedIssue = linkedIssue;
      return { status: 200, body: ticket };
    }
    throw notFound();
  }

  function findIssue(ref: string): Issue | undefined {
    const byId = issues.get(ref);
    if (byId) return byId;
    for (const issue of issues.values()) if (issue.key === ref) return issue;
    return undefined;
  }

  function tracker(method: string, parts: string[], query: URLSearchParams, body: unknown): Reply {
    if (parts[0] !== "issues") throw notFound();
    if (parts.length === 1) {
      allow(method, "GET", "POST");
      if (method === "GET") {
        const q = (query.get("q") ?? "").trim().toLowerCase();
        const project = query.get("project");
        const status = query.get("status");
        const items = [...issues.values()].filter(
          (i) =>
            (!project || i.project === project) &&
            (!status || i.status === status) &&
            (!q ||
              i.title.toLowerCase().includes(q) ||
              i.body.toLowerCase().includes(q) ||
              i.key.toLowerCase() === q ||
              (i.component ?? "").toLowerCase() === q),
        );
        return { status: 200, body: { items, total: items.length } };
      }
      const b = objectBody(body, false);
      const project = requiredString(b, "project");
      const title = requiredString(b, "title");
      if (!PROJECT_PATTERN.test(project)) {
        throw new HttpProblem(400, "invalid_request", "project must be an upper-case project key such as SUP");
      }
      const n = (projectSeq.get(project) ?? 0) + 1;
      projectSeq.set(project, n);
      const issue: Issue = {
        id: String(++issueSeq),
        key: `${project}-${n}`,
        project,
        title,
        body: optionalString(b, "body") ?? "",
        status: "open",
        createdAt: new Date().toISOString(),
      };
      const component = optionalString(b, "component");
      if (component !== undefined) issue.component = component;
      issues.set(issue.id, issue);
      return { status: 201, body: issue, headers: { location: `/tracker/issues/${issue.id}` } };
    }
    if (parts.length === 2) {
      allow(method, "GET", "DELETE");
      const issue = findIssue(parts[1] as string);
      if (!issue) throw notFound(`issue ${parts[1]} not found`);
      if (method === "GET") return { status: 200, body: issue };
      issues.delete(issue.id);
      return { status: 200, body: { id: issue.id, key: issue.key, deleted: true } };
    }
    throw notFound();
  }

  function chat(method: string, parts: string[], query: URLSearchParams, body: unknown): Reply {
    if (parts.length !== 1 || parts[0] !== "messages") throw notFound();
    allow(method, "GET", "POST");
    if (method === "GET") {
      const channel = query.get("channel");
      const items = channel ? messages.filter((m) => m.channel === channel) : messages.slice();
      return { status: 200, body: { items, total: items.length } };
    }
    const b = objectBody(body, false);
    const channel = requiredString(b, "channel");
    const text = requiredString(b, "text");
    const message: ChatMessage = { id: `M${++messageSeq}`, ts: new Date().toISOString(), channel, text };
    messages.push(message);
    return { status: 201, body: message };
  }

  const handlers: Record<SystemName, typeof chat> = { helpdesk, tracker, chat };

  // ---- the control API ----
  function control(method: string, parts: string[], query: URLSearchParams, body: unknown): Reply {
    const what = parts.join("/");
    if (what === "faults") {
      allow(method, "GET", "POST", "DELETE");
      if (method === "POST") {
        try {
          setFaults(objectBody(body, false) as Faults);
        } catch (err) {
          if (err instanceof HttpProblem) throw err;
          throw new HttpProblem(400, "invalid_request", (err as Error).message);
        }
      } else if (method === "DELETE") {
        const scope = query.get("system");
        if (scope !== null && scope !== "all" && !isSystem(scope)) {
          throw new HttpProblem(400, "invalid_request", `unknown system "${scope}"`);
        }
        clearFaults(scope ?? undefined);
      }
      return { status: 200, body: { faults: activeFaults() } };
    }
    if (what === "requests") {
      allow(method, "GET", "DELETE");
      if (method === "DELETE") {
        records = [];
        return { status: 200, body: { items: [], total: 0 } };
      }
      const system = query.get("system");
      if (system !== null && !isSystem(system)) {
        throw new HttpProblem(400, "invalid_request", `unknown system "${system}"`);
      }
      const items = listRequests({
        system: system ?? undefined,
        method: query.get("method") ?? undefined,
        pathPrefix: query.get("path") ?? undefined,
      });
      return { status: 200, body: { items, total: items.length } };
    }
    if (what === "reset") {
      allow(method, "POST");
      reset();
      return { status: 200, body: { ok: true } };
    }
    if (what === "health") {
      allow(method, "GET");
      return { status: 200, body: { status: "ok" } };
    }
    throw notFound();
  }

  function reset(): void {
    seed();
    records = [];
    requestSeq = 0;
    faultRules.clear();
  }

  // ---- the request path ----
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const search = q === -1 ? "" : rawUrl.slice(q + 1);
    const slash = path.indexOf("/", 1);
    const prefix = slash === -1 ? path.slice(1) : path.slice(1, slash);
    const subpath = slash === -1 ? "/" : path.slice(slash);

    let raw: string | undefined;
    if (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined) {
      raw = await readBody(req);
    }
    let body: unknown;
    let badJson = false;
    if (raw !== undefined && raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        badJson = true;
      }
    }
    const query = new URLSearchParams(search);
    const parts = subpath.split("/").filter((p) => p.length > 0);

    if (prefix === "_control") {
      if (badJson) throw new HttpProblem(400, "invalid_json", "the request body is not valid JSON");
      reply(res, control(method, decodeParts(parts), query, body));
      return;
    }
    const system = isSystem(prefix) ? prefix : null;
    const rec = record({
      time: Date.now(),
      method,
      path,
      subpath: system ? subpath : path,
      search,
      system,
      headers: req.headers,
      body,
      faults: [],
    });
    if (!system) throw notFound(`no system at ${path}; the systems are /helpdesk, /tracker and /chat`);

    const fault = takeFault(system);
    if (fault) {
      if (fault.latencyMs) {
        rec.faults.push("latency");
        await sleep(fault.latencyMs);
      }
      if (fault.reset) {
        rec.faults.push("reset");
        req.socket.destroy();
        return;
      }
      if (fault.status !== undefined) {
        rec.faults.push("status");
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
        reply(res, {
          status: fault.status,
          body: { error: "injected_fault", message: `injected status ${fault.status}` },
          headers,
        });
        return;
      }
      if (fault.errorRate && Math.random() < fault.errorRate) {
        rec.faults.push("error");
        const status = Math.random() < 0.5 ? 500 : 503;
        const headers: Record<string, string> = {};
        if (status === 503 && fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
        reply(res, { status, body: { error: "injected_fault", message: `injected error ${status}` }, headers });
        return;
      }
      if (fault.timeout) {
        rec.faults.push("timeout");
        try {
          authorize(system, req.headers.authorization);
          if (badJson) throw new HttpProblem(400, "invalid_json", "the request body is not valid JSON");
          handlers[system](method, decodeParts(parts), query, body);
        } catch {
          // the caller never learns the outcome either way
        }
        if (fault.hangMs !== undefined) {
          const socket = req.socket;
          void sleep(fault.hangMs).then(() => socket.destroy());
        }
        return;
      }
    }

    authorize(system, req.headers.authorization);
    if (badJson) throw new HttpProblem(400, "invalid_json", "the request body is not valid JSON");
    reply(res, handlers[system](method, decodeParts(parts), query, body));
  }

  function authorize(system: SystemName, header: string | undefined): void {
    if (header === expectedAuth[system]) return;
    const bearer = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    if (bearer && opts.acceptBearer?.(system, bearer)) return;
    throw new HttpProblem(
      401,
      "unauthorized",
      header ? `invalid bearer token for ${system}` : `missing bearer token for ${system}`,
      { "www-authenticate": `Bearer realm="${system}"` },
    );
  }

  const server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof HttpProblem) {
        reply(res, { status: err.status, body: { error: err.code, message: err.message }, headers: err.headers });
      } else {
        reply(res, { status: 500, body: { error: "internal", message: String((err as Error)?.message ?? err) } });
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    host,
    tokens,
    baseUrl: (system) => `${url}/${system}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
    setFaults,
    clearFaults,
    faults: activeFaults,
    requests: listRequests,
    count: countRequests,
    authorizations(system) {
      const out: string[] = [];
      for (const r of records) {
        if (system !== undefined && r.system !== system) continue;
        const a = r.headers.authorization;
        if (a !== undefined) out.push(a);
      }
      return out;
    },
    tickets: () => structuredClone([...tickets.values()]),
    issues: () => structuredClone([...issues.values()]),
    messages: () => structuredClone(messages),
    reset,
  };
}

// ---- helpers ----

function isSystem(name: string): name is SystemName {
  return name === "helpdesk" || name === "tracker" || name === "chat";
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function decodeParts(parts: string[]): string[] {
  try {
    return parts.map(decodeURIComponent);
  } catch {
    throw new HttpProblem(400, "invalid_request", "the path is not valid percent-encoding");
  }
}

function notFound(message = "not found"): HttpProblem {
  return new HttpProblem(404, "not_found", message);
}

function allow(method: string, ...allowed: string[]): void {
  if (!allowed.includes(method)) {
    throw new HttpProblem(405, "method_not_allowed", `use ${allowed.join(" or ")}`, { allow: allowed.join(", ") });
  }
}

function objectBody(body: unknown, optional: boolean): Record<string, unknown> {
  if (body === undefined && optional) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpProblem(400, "invalid_request", "the request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

function requiredString(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (typeof v !== "string" || v.trim().length === 0) {
    throw new HttpProblem(400, "invalid_request", `${key} is required and must be a non-empty string`);
  }
  return v;
}

function optionalString(b: Record<string, unknown>, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new HttpProblem(400, "invalid_request", `${key} must be a string`);
  return v;
}

function reply(res: ServerResponse, r: Reply): void {
  const text = JSON.stringify(r.body);
  res.writeHead(r.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...r.headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpProblem(413, "payload_too_large", `the request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8")),
    );
    req.on("error", reject);
  });
}

const FAULT_KEYS = new Set([
  "system",
  "latencyMs",
  "errorRate",
  "status",
  "count",
  "retryAfter",
  "timeout",
  "hangMs",
  "reset",
]);

/** Checks a fault specification (from code or the control API); throws an Error naming the bad field. */
export function validateFaults(input: Faults): Faults {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new Error("faults must be an object");
  for (const key of Object.keys(input)) {
    if (!FAULT_KEYS.has(key)) throw new Error(`unknown fault field "${key}"; known: ${[...FAULT_KEYS].join(", ")}`);
  }
  const f: Faults = {};
  const num = (key: keyof Faults, ok: (n: number) => boolean, what: string): number | undefined => {
    const v = (input as Record<string, unknown>)[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) throw new Error(`${key} must be ${what}`);
    return v;
  };
  const bool = (key: keyof Faults): boolean | undefined => {
    const v = (input as Record<string, unknown>)[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") throw new Error(`${key} must be true or false`);
    return v;
  };
  if (input.system !== undefined && input.system !== null) {
    if (typeof input.system !== "string" || !isSystem(input.system)) {
      throw new Error(`system must be one of ${SYSTEM_NAMES.join(", ")}`);
    }
    f.system = input.system;
  }
  const latencyMs = num("latencyMs", (n) => n >= 0, "a number of milliseconds >= 0");
  const errorRate = num("errorRate", (n) => n >= 0 && n <= 1, "a number between 0 and 1");
  const status = num("status", (n) => Number.isInteger(n) && n >= 200 && n <= 599, "an HTTP status from 200 to 599");
  const count = num("count", (n) => Number.isInteger(n) && n >= 1, "a whole number >= 1");
  const retryAfter = num("retryAfter", (n) => Number.isInteger(n) && n >= 0, "a whole number of seconds >= 0");
  const hangMs = num("hangMs", (n) => n >= 0, "a number of milliseconds >= 0");
  const timeout = bool("timeout");
  const reset = bool("reset");
  if (latencyMs !== undefined) f.latencyMs = latencyMs;
  if (errorRate !== undefined) f.errorRate = errorRate;
  if (status !== undefined) f.status = status;
  if (count !== undefined) f.count = count;
  if (retryAfter !== undefined) f.retryAfter = retryAfter;
  if (hangMs !== undefined) f.hangMs = hangMs;
  if (timeout !== undefined) f.timeout = timeout;
  if (reset !== undefined) f.reset = reset;
  if (hangMs !== undefined && !timeout) f.timeout = true;
  return f;
}
