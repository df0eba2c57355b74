export {
  type ActionClass,
  actionClasses,
  type Decision,
  type DecisionInput,
  type Effect,
  effectRank,
  effects,
  implicitDefaults,
} from "./types.js";
export { decide, effectiveDefault } from "./decide.js";
export { actionsVisibleToAgents } from "./visible.js";
export { type CompiledPolicy, type CompiledRule, compilePolicy } from "./compile.js";
export { compileMatch, type MatchTest } from "./match.js";
export { parseWhen, whenVariables } from "./cel.js";
