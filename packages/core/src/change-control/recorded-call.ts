import { resolveAction, type CompiledWorkflow } from "../manifest/compile.js";
import { decide } from "../policy/decide.js";
import type { Effect } from "../policy/types.js";

/** A decision as a replay or a policy test sees it: an effect, or a refusal before policy. */
export type Outcome = Effect | "invalid_arguments";

export interface Redecision {
  decision: Outcome;
  rules: string[];
  reason: string;
}

export interface CallContext {
  tool: string;
  args: Record<string, unknown>;
  run?: { agent?: string; actingAs?: string; labels?: Record<string, string> };
  usage?: Record<string, number>;
  now?: Date;
}

/**
 * Decides a call the way the governed call does, without running anything: outside the
 * boundary → block `outside_boundary`; arguments that do not meet the input schema →
 * `invalid_arguments`; else the policy decision.
 */
export function decideCall(wf: CompiledWorkflow, c: CallContext): Redecision {
  const action = resolveAction(wf, c.tool);
  if (!action)
    return {
      decision: "block",
      rules: ["outside_boundary"],
      reason: `${c.tool} is not an action of workflow ${wf.name}`,
    };
  const errors = action.validateArgs(c.args);
  if (errors.length > 0)
    return {
      decision: "invalid_arguments",
      rules: [],
      reason: errors.map((e) => `${e.path} ${e.message}`).join("; "),
    };
  const d = decide(wf, {
    tool: { system: action.system, action: action.action, class: action.class },
    args: c.args,
    run: c.run ?? {},
    usage: c.usage ?? {},
    now: c.now ?? new Date(0),
  });
  return { decision: d.effect, rules: d.rules, reason: d.reason };
}

// "[REDACTED:pii.email]" or a stable placeholder "[pii.email:1a2b3c4d]" (core redaction/placeholder.ts).
const placeholder = /\[(?:REDACTED:[a-z0-9._-]+|[a-z][a-z0-9._-]*:[0-9a-f]{8})\]/;

/** True when a stored value carries a redaction placeholder (its original is not known any more). */
export function hasRedactionPlaceholder(value: unknown): boolean {
  if (typeof value === "string") return placeholder.test(value);
  if (Array.isArray(value)) return value.some(hasRedactionPlaceholder);
  if (value && typeof value === "object")
    return Object.entries(value).some(([k, v]) => placeholder.test(k) || hasRedactionPlaceholder(v));
  return false;
}
