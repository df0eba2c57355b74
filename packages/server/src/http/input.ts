import { TollgateError } from "@tollgate/core";
import type { z } from "zod";

const maxDepth = 32;

/**
 * Refuses shapes no caller needs before any work is done: nesting deeper than 32 levels, NUL
 * characters in strings or keys.
 */
export function checkJsonShape(value: unknown, path = "body", depth = 0): void {
  if (depth > maxDepth)
    throw new TollgateError("invalid_request", `${path} is nested more than ${maxDepth} levels deep`);
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw new TollgateError("invalid_request", `${path} contains a NUL character`);
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkJsonShape(v, `${path}[${i}]`, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.includes("\u0000")) throw new TollgateError("invalid_request", `${path} has a key with a NUL character`);
    checkJsonShape(v, `${path}.${k}`, depth + 1);
  }
}

/** Validates a request body or query with zod; the error names each bad field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what = "body"): z.infer<T> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({ path: [what, ...i.path.map(String)].join("."), message: i.message }));
  throw new TollgateError(
    "invalid_request",
    `invalid ${what}: ${errors.map((e) => `${e.path} ${e.message}`).join("; ")}`,
    { errors },
  );
}
