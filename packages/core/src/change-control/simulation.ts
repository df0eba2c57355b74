/**
 * Simulation mode: a simulated run never reaches the real systems; each allowed (or approved)
 * tool call is answered with a scripted response. An eval case scripts them per tool; the first
 * response whose `when` matches the arguments wins. A call with no scripted response fails
 * (`upstream_failed`), it is never sent.
 */
import { z } from "zod";
import { canonicalJson } from "../canonical.js";

const scriptedResponse = z
  .object({
    /** the response applies when every field given here equals the call's argument */
    when: z.record(z.string(), z.unknown()).optional(),
    result: z.unknown().optional(),
    /** the call fails with this message instead */
    error: z.string().min(1).optional(),
  })
  .strict();

export const scriptedResponsesSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+$/, "a tool id is system.action"),
  z.union([scriptedResponse, z.array(scriptedResponse)]),
);

export type ScriptedResponses = z.infer<typeof scriptedResponsesSchema>;

export type ScriptedOutcome =
  | { kind: "result"; result: unknown }
  | { kind: "error"; message: string }
  | { kind: "none" };

export function pickScriptedResponse(responses: ScriptedResponses, tool: string, args: unknown): ScriptedOutcome {
  const entry = responses[tool];
  if (entry === undefined) return { kind: "none" };
  const candidates = Array.isArray(entry) ? entry : [entry];
  const a = args && typeof args === "object" ? (args as Record<string, unknown>) : {};
  const hit = candidates.find((r) => Object.entries(r.when ?? {}).every(([k, v]) => matchesSubset(a[k], v)));
  if (!hit) return { kind: "none" };
  if (hit.error !== undefined) return { kind: "error", message: hit.error };
  return { kind: "result", result: hit.result ?? null };
}

/** True when `actual` holds every field of `expected` with equal values (arrays compare whole). */
export function matchesSubset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== "object" || Array.isArray(expected))
    return canonicalJson(actual) === canonicalJson(expected);
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
  return Object.entries(expected).every(([k, v]) => matchesSubset((actual as Record<string, unknown>)[k], v));
}
