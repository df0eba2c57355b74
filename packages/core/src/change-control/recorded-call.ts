import { z } from "zod";
import type { ErrorItem } from "../errors.js";
import { resolveAction, type CompiledWorkflow } from "../manifest/compile.js";
import { decide } from "../policy/decide.js";
import type { ActionClass, Effect } from "../policy/types.js";

/** A decision as a replay or a policy test sees it: an effect, or a refusal before policy. */
export type Outcome = Effect | "invalid_arguments";

export interface Redecision {
  decision: Outcome;
  /** the action's class; null outside the boundary */
  class: ActionClass | null;
  rules: string[];
  reason: string;
  /** why the arguments were refused (decision `invalid_arguments`) */
  errors?: ErrorItem[];
  /** `when` conditions that failed to evaluate (errors never loosen) */
  ruleErrors?: { rule: string; message: string }[];
}

/** The run context a simulated decision is made in, as the API, the CLI and policy tests take it. */
export const callContextFields = {
  tool: z.string().min(1),
  args: z.record(z.string(), z.unknown()).default({}),
  run: z
    .object({
      agent: z.string().optional(),
      actingAs: z.string().optional(),
      labels: z.record(z.string(), z.string()).optional(),
    })
    .strict()
    .optional(),
  usage: z.record(z.string(), z.number()).optional(),
};

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
      class: null,
      rules: ["outside_boundary"],
      reason: `${c.tool} is not an action of workflow ${wf.name}`,
    };
  const errors = action.validateArgs(c.args);
  if (errors.length > 0)
    return {
      decision: "invalid_arguments",
      class: action.class,
      rules: [],
      reason: errors.map((e) => `${e.path} ${e.message}`).join("; "),
      errors,
    };
  const d = decide(wf, {
    tool: { system: action.system, action: action.action, class: action.class },
    args: c.args,
    run: c.run ?? {},
    usage: c.usage ?? {},
    now: c.now ?? new Date(0),
  });
  return {
    decision: d.effect,
    class: action.class,
    rules: d.rules,
    reason: d.reason,
    ...(d.errors ? { ruleErrors: d.errors } : {}),
  };
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
