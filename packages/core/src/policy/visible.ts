/**
 * Which actions an agent is shown (MCP tools/list, SDK tool lists): never one that policy can
 * only block, so the model does not plan around tools it can never use.
 */
import type { CompiledAction, CompiledWorkflow } from "../manifest/compile.js";
import { effectiveDefault } from "./decide.js";

export function actionsVisibleToAgents(wf: CompiledWorkflow): CompiledAction[] {
  const visible: CompiledAction[] = [];
  for (const a of wf.actions.values()) {
    const rules = wf.policy.byAction.get(a.system)?.get(a.action) ?? [];
    // An unconditional block rule wins over everything: the action can never run.
    if (rules.some((r) => r.effect === "block" && !r.evaluate)) continue;
    if (effectiveDefault(wf, a.class) !== "block" || rules.some((r) => r.effect !== "block")) visible.push(a);
  }
  return visible;
}
