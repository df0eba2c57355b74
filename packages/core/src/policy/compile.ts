/**
 * Compiles a manifest's policy once per version: CEL conditions planned, match globs turned into
 * tests, and, because the set of actions is closed, each action's candidate rules listed in
 * advance so a decision only looks at rules that can apply.
 */
import type { Manifest } from "../manifest/schema.js";
import { compileWhen, type WhenFn } from "./cel.js";
import type { DirectCheck } from "./direct.js";
import { compileMatch, type MatchTest } from "./match.js";
import { type ActionClass, actionClasses, type Effect, implicitDefaults } from "./types.js";

export interface CompiledRule {
  index: number;
  name: string;
  match: string;
  test: MatchTest;
  effect: Effect;
  reason?: string;
  when?: string;
  /** the planned `when`; absent means the rule always holds once matched */
  evaluate?: WhenFn;
  /** a simple `when` evaluated directly; its undefined means "ask `evaluate`" */
  direct?: DirectCheck;
  /** "rule <name>: <reason>", built once */
  sentence: string;
  /** effect approve: distinct approvers this rule asks for */
  approvalsRequired?: number;
}

export interface CompiledPolicy {
  defaults: Readonly<Record<ActionClass, Effect>>;
  /** how each explicit or implicit default explains itself */
  defaultReasons: Readonly<Record<ActionClass, string>>;
  /** distinct approvers a class default of approve asks for (absent: the workflow's number) */
  defaultApprovalsRequired: Readonly<Partial<Record<ActionClass, number>>>;
  rules: readonly CompiledRule[];
  /** system -> action -> rules whose match covers it, in manifest order */
  byAction: ReadonlyMap<string, ReadonlyMap<string, readonly CompiledRule[]>>;
}

const verbs: Record<Effect, string> = {
  block: "blocks this call",
  approve: "requires approval",
  allow: "allows this call",
};

export function compilePolicy(
  policy: Manifest["policy"],
  actions: readonly { system: string; action: string }[],
): CompiledPolicy {
  const defaults = {} as Record<ActionClass, Effect>;
  const defaultReasons = {} as Record<ActionClass, string>;
  const defaultApprovalsRequired: Partial<Record<ActionClass, number>> = {};
  for (const cls of actionClasses) {
    const given = policy.defaults?.[cls] ?? implicitDefaults[cls];
    const effect = typeof given === "string" ? given : given.effect;
    defaults[cls] = effect;
    defaultReasons[cls] = `default for ${cls} is ${effect}`;
    if (typeof given !== "string" && given.approvals) defaultApprovalsRequired[cls] = given.approvals.required;
  }
  const rules = (policy.rules ?? []).map((r, index): CompiledRule => {
    const rule: CompiledRule = {
      index,
      name: r.name,
      match: r.match,
      test: compileMatch(r.match),
      effect: r.effect,
      sentence: `rule ${r.name}: ${r.reason ?? verbs[r.effect]}`,
    };
    if (r.reason !== undefined) rule.reason = r.reason;
    if (r.approvals) rule.approvalsRequired = r.approvals.required;
    if (r.when !== undefined) {
      rule.when = r.when;
      const { evaluate, direct } = compileWhen(r.when);
      rule.evaluate = evaluate;
      if (direct) rule.direct = direct;
    }
    return rule;
  });
  const byAction = new Map<string, Map<string, CompiledRule[]>>();
  for (const { system, action } of actions) {
    const id = `${system}.${action}`;
    let inSystem = byAction.get(system);
    if (!inSystem) {
      inSystem = new Map();
      byAction.set(system, inSystem);
    }
    inSystem.set(
      action,
      rules.filter((r) => r.test(id)),
    );
  }
  return { defaults, defaultReasons, defaultApprovalsRequired, rules, byAction };
}
