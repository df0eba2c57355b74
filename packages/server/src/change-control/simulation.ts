import { pickScriptedResponse, type ScriptedResponses } from "@tollgate/core";
import type { RunSimulation } from "@tollgate/store";
import type { ExecutionOutcome } from "../calls/execute.js";

/**
 * The executor stage of a simulated run: the scripted response stands in for the real system,
 * which is never called. A call the script does not answer fails rather than reach a real system.
 */
export function scriptedOutcome(sim: RunSimulation, tool: string, args: unknown): ExecutionOutcome {
  const picked = pickScriptedResponse(sim.responses as ScriptedResponses, tool, args);
  if (picked.kind === "result") return { status: "succeeded", result: picked.result, attempts: 1, retried: [] };
  const message =
    picked.kind === "error" ? picked.message : `simulated run: no scripted response for ${tool} with these arguments`;
  return { status: "failed", error: { code: "upstream_failed", message }, attempts: 1, retried: [] };
}
