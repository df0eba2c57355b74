/**
 * Compiles a validated manifest into what the governed call uses on every request: actions by id
 * and tool name with their argument validators, the compiled policy, and limits in milliseconds.
 * Done once per manifest version; nothing here is recomputed per call.
 */
import type { Ajv } from "ajv";
import { parseDuration, parseRate, type Rate } from "../duration.js";
import type { ErrorItem } from "../errors.js";
import { TollgateError } from "../errors.js";
import { type CompiledPolicy, compilePolicy } from "../policy/compile.js";
import type { ActionClass } from "../policy/types.js";
import { argsValidator, createAjv, pathParams } from "./args.js";
import type { ActionManifest, ConnectorManifest, Manifest } from "./schema.js";

export type HttpAuth =
  | { type: "bearer"; secretRef: string }
  | { type: "oauth2"; connection: string }
  | { type: "none" };

export type ConnectorSpec =
  | {
      type: "http";
      baseUrl: string;
      timeoutMs: number;
      auth: HttpAuth;
      headers: Record<string, string>;
      idempotency: boolean;
    }
  | {
      type: "mcp";
      command?: string;
      args: string[];
      env: Record<string, string>;
      url?: string;
      timeoutMs: number;
    };

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HttpSpec {
  method: HttpMethod;
  path: string;
  /** argument names sent as query parameters */
  query: string[];
  /** the remaining arguments as a JSON body, or no body (default: none for GET and DELETE) */
  body: "json" | "none";
  /** names of the `{param}`s of the path */
  pathParams: string[];
}

export interface RetrySpec {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** cap on the total time of all attempts of one call */
  maxElapsedMs: number;
}

export interface CompiledAction {
  /** canonical id, `system.action` */
  id: string;
  system: string;
  action: string;
  /** name shown to models, `system__action` */
  toolName: string;
  class: ActionClass;
  description?: string;
  http?: HttpSpec;
  /** mcp: the upstream tool this action calls (the manifest's `tool`, else the action's name) */
  upstreamTool?: string;
  connector: ConnectorSpec;
  scopes: string[];
  inputSchema?: Record<string, unknown>;
  /** bound on one attempt: the action's timeout, else its connector's */
  timeoutMs: number;
  /** the workflow's retry policy with the action's overrides */
  retry: RetrySpec;
  validateArgs(args: unknown): ErrorItem[];
}

export interface CompiledWorkflow {
  name: string;
  version: string;
  manifest: Manifest;
  /** by canonical id `system.action` */
  actions: Map<string, CompiledAction>;
  /** by tool name `system__action` */
  tools: Map<string, CompiledAction>;
  connectors: Map<string, ConnectorSpec>;
  policy: CompiledPolicy;
  budgets: { toolCalls?: number; modelCalls?: number; costUsd?: number; wallClockMs?: number; maxRepeats?: number };
  approvals: {
    timeoutMs: number;
    onTimeout: "deny" | "escalate";
    approvers: string[];
    required: number;
    /** onTimeout escalate: the group notified after the first timeout */
    escalateTo?: string[];
  };
  retry: RetrySpec;
  rateLimits: Map<string, Rate>;
  redact: string[];
}

const defaultMcpTimeoutMs = 10_000;

export function compileWorkflow(manifest: Manifest, version: string): CompiledWorkflow {
  try {
    return compile(manifest, version);
  } catch (e) {
    // Only a manifest that skipped parseManifest can get here; say so in the manifest's terms.
    throw new TollgateError("invalid_manifest", `manifest does not compile: ${(e as Error).message}`);
  }
}

/** Accepts the canonical id `system.action` or the tool name `system__action`. */
export function resolveAction(wf: CompiledWorkflow, tool: string): CompiledAction | undefined {
  return wf.actions.get(tool) ?? wf.tools.get(tool);
}

function compile(manifest: Manifest, version: string): CompiledWorkflow {
  let ajv: Ajv | undefined;
  const getAjv = () => (ajv ??= createAjv());
  const retry = retrySpec(manifest.retry);
  const actions = new Map<string, CompiledAction>();
  const tools = new Map<string, CompiledAction>();
  const connectors = new Map<string, ConnectorSpec>();
  for (const [system, spec] of Object.entries(manifest.systems)) {
    const connector = connectorSpec(spec.connector);
    connectors.set(system, connector);
    for (const [action, a] of Object.entries(spec.actions)) {
      const compiled = compileAction(
        system,
        action,
        a,
        connector,
        spec.scopes ?? [],
        mergeRetry(retry, spec.retry),
        getAjv,
      );
      actions.set(compiled.id, compiled);
      tools.set(compiled.toolName, compiled);
    }
  }
  const { approvals, budgets } = manifest;
  const rateLimits = new Map<string, Rate>();
  for (const [system, rate] of Object.entries(manifest.rateLimits)) rateLimits.set(system, parseRate(rate));
  return {
    name: manifest.name,
    version,
    manifest,
    actions,
    tools,
    connectors,
    policy: compilePolicy(manifest.policy, [...actions.values()]),
    budgets: {
      ...(budgets.toolCalls !== undefined && { toolCalls: budgets.toolCalls }),
      ...(budgets.modelCalls !== undefined && { modelCalls: budgets.modelCalls }),
      ...(budgets.costUsd !== undefined && { costUsd: budgets.costUsd }),
      ...(budgets.wallClock !== undefined && { wallClockMs: parseDuration(budgets.wallClock) }),
      ...(budgets.maxRepeats !== undefined && { maxRepeats: budgets.maxRepeats }),
    },
    approvals: {
      timeoutMs: parseDuration(approvals.timeout),
      onTimeout: approvals.onTimeout,
      approvers: [...approvals.approvers],
      required: approvals.required ?? 1,
      ...(approvals.escalateTo && { escalateTo: [...approvals.escalateTo] }),
    },
    retry,
    rateLimits,
    redact: [...(manifest.data.redact ?? [])],
  };
}

function compileAction(
  system: string,
  action: string,
  a: ActionManifest,
  connector: ConnectorSpec,
  scopes: string[],
  workflowRetry: RetrySpec,
  ajv: () => Ajv,
): CompiledAction {
  const http = a.http && {
    method: a.http.method,
    path: a.http.path,
    query: [...(a.http.query ?? [])],
    body: a.http.body ?? (a.http.method === "GET" || a.http.method === "DELETE" ? "none" : "json"),
    pathParams: pathParams(a.http.path),
  };
  const validateArgs = argsValidator(ajv, a.input, a.http?.path);
  const compiled: CompiledAction = {
    id: `${system}.${action}`,
    system,
    action,
    toolName: `${system}__${action}`,
    class: a.class,
    connector,
    scopes: [...scopes],
    timeoutMs: a.timeout ? parseDuration(a.timeout) : connector.timeoutMs,
    retry: mergeRetry(workflowRetry, a.retry),
    validateArgs,
  };
  if (a.description !== undefined) compiled.description = a.description;
  if (http) compiled.http = http;
  if (connector.type === "mcp") compiled.upstreamTool = a.tool ?? action;
  if (a.input) compiled.inputSchema = a.input;
  return compiled;
}

function connectorSpec(c: ConnectorManifest): ConnectorSpec {
  if (c.type === "http") {
    return {
      type: "http",
      baseUrl: c.baseUrl,
      timeoutMs: parseDuration(c.timeout),
      auth: c.auth ?? { type: "none" },
      headers: { ...(c.headers ?? {}) },
      idempotency: c.idempotency ?? false,
    };
  }
  const spec: ConnectorSpec = {
    type: "mcp",
    args: [...(c.args ?? [])],
    env: { ...(c.env ?? {}) },
    timeoutMs: c.timeout ? parseDuration(c.timeout) : defaultMcpTimeoutMs,
  };
  if (c.command !== undefined) spec.command = c.command;
  if (c.url !== undefined) spec.url = c.url;
  return spec;
}

function retrySpec(r: Manifest["retry"]): RetrySpec {
  return {
    maxAttempts: r.maxAttempts,
    initialDelayMs: parseDuration(r.initialDelay),
    maxDelayMs: parseDuration(r.maxDelay),
    maxElapsedMs: parseDuration(r.maxElapsed),
  };
}

type RetryOverride =
  | { maxAttempts?: number; initialDelay?: string; maxDelay?: string; maxElapsed?: string }
  | undefined;

/** workflow → system → action: each level overrides only what it names. */
function mergeRetry(base: RetrySpec, o: RetryOverride): RetrySpec {
  if (!o) return base;
  return {
    maxAttempts: o.maxAttempts ?? base.maxAttempts,
    initialDelayMs: o.initialDelay ? parseDuration(o.initialDelay) : base.initialDelayMs,
    maxDelayMs: o.maxDelay ? parseDuration(o.maxDelay) : base.maxDelayMs,
    maxElapsedMs: o.maxElapsed ? parseDuration(o.maxElapsed) : base.maxElapsedMs,
  };
}
