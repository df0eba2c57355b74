/**
 * Small field schemas shared by the manifest schema: names, durations, rates. Each carries the
 * sentence a manifest author should read when it is wrong.
 */
import { z } from "zod";
import { durationPattern, ratePattern } from "../duration.js";

const durationHint = "must be a duration like 500ms, 10s, 15m, 4h or 30d";
export const duration = z.string({ error: durationHint }).regex(durationPattern, { error: durationHint });

const rateHint = "must be a rate like 5/s or 100/m";
export const rate = z.string({ error: rateHint }).regex(ratePattern, { error: rateHint });

/** System and action names: they become part of `system__action` tool names, so `__` is reserved. */
export const identName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, { error: "must start with a lowercase letter and use only a-z, 0-9 and _" })
  .refine((s) => !s.includes("__"), { error: 'must not contain "__" (it separates system and action in tool names)' });

export const workflowName = z
  .string()
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "must use only a-z, 0-9 and - (and not start with -)" });

export const ruleName = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: "must use only letters, digits, -, _ and ." });

export const text = z.string().trim().min(1, { error: "must not be empty" });

/** Only http(s): other schemes have no business as connector targets. */
export const httpUrl = z.url({ protocol: /^https?$/, error: "must be an absolute http:// or https:// URL" });

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}
