/**
 * Checks that span fields of the manifest: references between sections (rules and rate limits
 * name systems that exist), connector/action consistency, and input schemas that compile.
 * They run after the field-level schema, on already well-typed data.
 */
import type { z } from "zod";
import { parseDuration } from "../duration.js";
import { compileMatch, literalSystem } from "../policy/match.js";
import type { Ajv } from "ajv";
import { argsValidator, createAjv, pathParams } from "./args.js";
import type { ActionManifest, Manifest } from "./schema.js";

/** Longest tool name most model APIs accept as a function name. */
export const maxToolNameLength = 64;

type Ctx = z.RefinementCtx;
type Path = (string | number)[];
interface Env {
  ctx: Ctx;
  retry: Manifest["retry"];
  /** one validator instance per check, made only when some action has an input schema */
  ajv: () => Ajv;
}

export function checkManifest(m: Manifest, ctx: Ctx): void {
  const ids: string[] = [];
  let ajv: Ajv | undefined;
  const env: Env = { ctx, retry: m.retry, ajv: () => (ajv ??= createAjv()) };
  const systems = Object.entries(m.systems);
  if (systems.length === 0) issue(ctx, ["systems"], "name at least one system");
  for (const [system, spec] of systems) {
    if (spec.connector.type === "http")
      checkHeaders(ctx, ["systems", system, "connector", "headers"], spec.connector.headers);
    const actions = Object.entries(spec.actions);
    if (actions.length === 0) issue(ctx, ["systems", system, "actions"], "a system needs at least one action");
    for (const [action, a] of actions) {
      ids.push(`${system}.${action}`);
      checkAction(env, ["systems", system, "actions", action], spec.connector.type, a);
      const tool = `${system}__${action}`;
      if (tool.length > maxToolNameLength) {
        issue(ctx, ["systems", system, "actions", action], `tool name ${tool} is longer than ${maxToolNameLength}`);
      }
    }
  }
  checkRules(ctx, m, ids);
  checkApprovals(ctx, m);
  for (const system of Object.keys(m.rateLimits)) {
    if (!(system in m.systems)) issue(ctx, ["rateLimits", system], `unknown system "${system}"`);
  }
  checkDelays(ctx, ["retry"], m.retry.initialDelay, m.retry.maxDelay);
}

function checkAction(env: Env, at: Path, connector: "http" | "mcp", a: ActionManifest): void {
  const { ctx } = env;
  if (connector === "http" && !a.http) {
    issue(ctx, [...at, "http"], "actions of an http connector need http: { method, path }");
  }
  if (connector === "mcp" && a.http) issue(ctx, [...at, "http"], "http only applies to actions of an http connector");
  if (connector === "http" && a.tool !== undefined)
    issue(ctx, [...at, "tool"], "tool names an upstream MCP tool: it only applies to actions of an mcp connector");
  if (a.retry) {
    const { initialDelay = env.retry.initialDelay, maxDelay = env.retry.maxDelay } = a.retry;
    checkDelays(ctx, [...at, "retry"], initialDelay, maxDelay);
  }
  if (a.input) checkInput(env, at, a);
}

function checkInput(env: Env, at: Path, a: ActionManifest): void {
  const { ctx } = env;
  const input = a.input as Record<string, unknown>;
  if (input.type !== undefined && input.type !== "object") {
    issue(ctx, [...at, "input", "type"], 'arguments are an object: the input schema must have type "object"');
    return;
  }
  try {
    argsValidator(env.ajv, input);
  } catch (e) {
    issue(ctx, [...at, "input"], `invalid JSON Schema: ${(e as Error).message}`);
    return;
  }
  // With declared properties and no additionalProperties, extra arguments are rejected,
  // so every argument the HTTP request needs must be declared.
  const props = input.properties;
  if (!a.http || typeof props !== "object" || props === null || "additionalProperties" in input) return;
  for (const name of [...pathParams(a.http.path), ...(a.http.query ?? [])]) {
    if (!(name in props)) {
      issue(ctx, [...at, "input", "properties"], `argument "${name}" used by http is not among the input properties`);
    }
  }
}

/** Secrets never sit in a manifest (DESIGN §2): credentials come from auth, resolved from the vault. */
const credentialHeader = /^(authorization|proxy-authorization|cookie|x-api-key|api-key)$/i;

function checkHeaders(ctx: Ctx, at: Path, headers: Record<string, string> | undefined): void {
  for (const name of Object.keys(headers ?? {})) {
    if (credentialHeader.test(name)) {
      issue(
        ctx,
        [...at, name],
        `credentials do not belong in a manifest: use auth (secretRef or connection) instead of ${name}`,
      );
    }
  }
}

function checkRules(ctx: Ctx, m: Manifest, ids: string[]): void {
  const seen = new Map<string, number>();
  (m.policy.rules ?? []).forEach((rule, i) => {
    const first = seen.get(rule.name);
    if (first !== undefined) {
      issue(
        ctx,
        ["policy", "rules", i, "name"],
        `duplicate rule name "${rule.name}" (first at policy.rules[${first}])`,
      );
    } else seen.set(rule.name, i);
    if (rule.approvals && rule.effect !== "approve")
      issue(ctx, ["policy", "rules", i, "approvals"], `approvals only applies to a rule whose effect is approve`);
    const system = literalSystem(rule.match);
    if (system !== undefined && !(system in m.systems)) {
      issue(ctx, ["policy", "rules", i, "match"], `unknown system "${system}" in match "${rule.match}"`);
      return;
    }
    const test = compileMatch(rule.match);
    if (!ids.some(test))
      issue(ctx, ["policy", "rules", i, "match"], `"${rule.match}" matches no action of this workflow`);
  });
}

function checkApprovals(ctx: Ctx, m: Manifest): void {
  for (const [cls, given] of Object.entries(m.policy.defaults ?? {})) {
    if (typeof given === "object" && given.approvals && given.effect !== "approve")
      issue(
        ctx,
        ["policy", "defaults", cls, "approvals"],
        "approvals only applies to a default whose effect is approve",
      );
  }
  if (m.approvals.onTimeout === "escalate" && !m.approvals.escalateTo)
    issue(ctx, ["approvals", "escalateTo"], "onTimeout escalate needs escalateTo: the approver group to notify next");
  if (m.approvals.onTimeout !== "escalate" && m.approvals.escalateTo)
    issue(ctx, ["approvals", "escalateTo"], "escalateTo only applies with onTimeout: escalate");
}

function checkDelays(ctx: Ctx, at: Path, initial: string | undefined, max: string | undefined): void {
  if (initial === undefined || max === undefined) return;
  if (parseDuration(initial) > parseDuration(max)) {
    issue(ctx, [...at, "initialDelay"], `initialDelay ${initial} is longer than maxDelay ${max}`);
  }
}

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.addIssue({ code: "custom", path, message });
}
