/**
 * The policy decision (DESIGN §2): every rule whose match and `when` hold applies; block beats
 * approve beats allow; with no rule the class default applies. A condition that errors or is not
 * a boolean never loosens: it makes block/approve rules apply and allow rules not apply.
 * On the hot path of every call, so it allocates only what it returns, converts the input to CEL
 * values once and only when a condition needs them, and evaluates simple conditions directly.
 */
import { type CelInput, isCelError } from "@bufbuild/cel";
import type { CompiledWorkflow } from "../manifest/compile.js";
import { timestamp, toCel } from "./cel.js";
import type { CompiledPolicy, CompiledRule } from "./compile.js";
import { type ActionClass, type Decision, type DecisionInput, type Effect, effectRank } from "./types.js";

export function effectiveDefault(wf: CompiledWorkflow, cls: ActionClass): Effect {
  return wf.policy.defaults[cls];
}

export function decide(wf: CompiledWorkflow, input: DecisionInput): Decision {
  const policy = wf.policy;
  const { system, action } = input.tool;
  const candidates = policy.byAction.get(system)?.get(action) ?? candidatesOutsideBoundary(policy, system, action);

  let applied: string[] | undefined;
  let errors: { rule: string; message: string }[] | undefined;
  let bindings: Record<string, CelInput> | undefined;
  let effect: Effect = "allow";
  let reasons: string[] | undefined;

  for (const rule of candidates) {
    let sentence = rule.sentence;
    if (rule.evaluate) {
      bindings ??= toBindings(input);
      // The direct check answers only when sure; otherwise CEL decides, errors included.
      const outcome = rule.direct?.(bindings) ?? evaluate(rule, bindings);
      if (outcome !== true) {
        if (outcome === false) continue;
        errors ??= [];
        errors.push({ rule: rule.name, message: outcome });
        if (rule.effect === "allow") continue;
        sentence = `rule ${rule.name} applies because its condition failed (${outcome})`;
      }
    }
    if (applied === undefined) {
      applied = [rule.name];
      effect = rule.effect;
      reasons = [sentence];
      continue;
    }
    applied.push(rule.name);
    const rank = effectRank[rule.effect] - effectRank[effect];
    if (rank > 0) {
      effect = rule.effect;
      reasons = [sentence];
    } else if (rank === 0) reasons?.push(sentence);
  }

  if (applied === undefined) {
    const cls = input.tool.class;
    const decision: Decision = {
      effect: policy.defaults[cls],
      rules: [],
      reason: policy.defaultReasons[cls],
      defaulted: true,
    };
    if (errors) decision.errors = errors;
    const required = policy.defaultApprovalsRequired[cls];
    if (decision.effect === "approve" && required !== undefined) decision.approvalsRequired = required;
    return decision;
  }
  const decision: Decision = { effect, rules: applied, reason: (reasons ?? []).join("; "), defaulted: false };
  if (errors) decision.errors = errors;
  if (effect === "approve") {
    const required = approvalsAskedFor(candidates, applied);
    if (required !== undefined) decision.approvalsRequired = required;
  }
  return decision;
}

/** The most distinct approvers any applied approve rule asks for: the stricter rule wins. */
function approvalsAskedFor(candidates: readonly CompiledRule[], applied: string[]): number | undefined {
  let most: number | undefined;
  for (const rule of candidates) {
    if (rule.effect !== "approve" || rule.approvalsRequired === undefined || !applied.includes(rule.name)) continue;
    most = Math.max(most ?? 0, rule.approvalsRequired);
  }
  return most;
}

/** true / false, or the error as a sentence. */
function evaluate(rule: CompiledRule, bindings: Record<string, CelInput>): boolean | string {
  let result: unknown;
  try {
    result = rule.evaluate?.(bindings);
  } catch (e) {
    return (e as Error).message ?? String(e);
  }
  if (typeof result === "boolean") return result;
  if (isCelError(result)) return result.message;
  return `condition gave ${typeof result === "bigint" ? "an int" : typeof result}, not a boolean`;
}

function toBindings(input: DecisionInput): Record<string, CelInput> {
  return {
    args: toCel(input.args),
    tool: toCel(input.tool),
    run: toCel(input.run),
    usage: toCel(input.usage),
    now: timestamp(input.now),
  };
}

/** A tool the manifest does not list (the boundary blocks it anyway): test every rule's glob. */
function candidatesOutsideBoundary(policy: CompiledPolicy, system: string, action: string): readonly CompiledRule[] {
  const id = `${system}.${action}`;
  return policy.rules.filter((r) => r.test(id));
}
