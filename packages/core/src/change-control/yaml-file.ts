import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { TollgateError } from "../errors.js";
import { issuesToErrors } from "../manifest/issues.js";
import { lineLocator } from "../manifest/lines.js";

/**
 * Parses a YAML (or JSON) file against a zod schema; a bad file throws `invalid_request` whose
 * `errors` name each path and line, like manifest errors do.
 */
export function parseYamlFile<T extends z.ZodType>(schema: T, source: string, what: string): z.infer<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, keepSourceTokens: true });
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((e) => ({
      path: "",
      message: `YAML syntax: ${e.message}`,
      line: lineCounter.linePos(e.pos[0]).line,
    }));
    throw new TollgateError("invalid_request", `${what} is not valid YAML`, { errors });
  }
  const r = schema.safeParse(doc.toJS({ maxAliasCount: 100 }) ?? {});
  if (r.success) return r.data;
  const errors = issuesToErrors(r.error.issues, lineLocator(doc, lineCounter));
  throw new TollgateError(
    "invalid_request",
    `${what} has ${errors.length} error(s): ${errors.map((e) => `${e.path || "(document)"} ${e.message}`).join("; ")}`,
    { errors },
  );
}
