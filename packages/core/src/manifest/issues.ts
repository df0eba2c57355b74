/** Turns zod issues into the ErrorItems users read: one per problem, with a path and a plain sentence. */
import type { z } from "zod";
import type { ErrorItem } from "../errors.js";
import type { LineOf } from "./lines.js";
import { formatPath } from "./path.js";

type Issue = z.core.$ZodIssue;

export function issuesToErrors(issues: readonly Issue[], lineOf?: LineOf): ErrorItem[] {
  const items: ErrorItem[] = [];
  for (const issue of issues) {
    for (const { path, message } of explain(issue)) {
      const line = lineOf?.(path);
      items.push(line === undefined ? { path: formatPath(path), message } : { path: formatPath(path), message, line });
    }
  }
  // Source order reads best; errors without a line keep their place at the end.
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => (a.item.line ?? Number.MAX_SAFE_INTEGER) - (b.item.line ?? Number.MAX_SAFE_INTEGER) || a.i - b.i)
    .map(({ item }) => item);
}

function explain(issue: Issue): { path: PropertyKey[]; message: string }[] {
  const path = [...issue.path];
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field "${key}"` }));
    case "invalid_key": {
      const reasons = issue.issues.map((i) => i.message).join("; ");
      return [{ path, message: `invalid name "${String(path.at(-1))}": ${reasons}` }];
    }
    case "invalid_union":
      if (issue.input === undefined) return [{ path, message: "is required" }];
      if (issue.discriminator && "options" in issue && issue.options) {
        return [{ path, message: `must be one of ${issue.options.map(String).join(", ")}` }];
      }
      return [{ path, message: plain(issue.message) }];
    case "invalid_type":
      if (issue.input === undefined) return [{ path, message: "is required" }];
      if (issue.expected === "int" && typeof issue.input === "number")
        return [{ path, message: "must be a whole number" }];
      return [{ path, message: plain(issue.message) }];
    case "invalid_value":
      if (issue.input === undefined) return [{ path, message: "is required" }];
      return [{ path, message: plain(issue.message) }];
    default:
      return [{ path, message: plain(issue.message) }];
  }
}

/** zod's "Invalid input: expected string, received number" reads better without its prefix. */
function plain(message: string): string {
  return message.replace(/^(Invalid input|Invalid option|Too small|Too big): /, "");
}
