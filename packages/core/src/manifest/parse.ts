/**
 * From manifest text to a validated manifest and its version. YAML or JSON (JSON is YAML);
 * every error names a path and, when the source has it, a 1-based line.
 */
import { LineCounter, parseDocument } from "yaml";
import { canonicalJson, sha256Hex } from "../canonical.js";
import { type ErrorItem, TollgateError } from "../errors.js";
import { issuesToErrors } from "./issues.js";
import { type LineOf, lineLocator } from "./lines.js";
import { type Manifest, manifestSchema } from "./schema.js";

export type ParseManifestResult =
  | { ok: true; manifest: Manifest; version: string }
  | { ok: false; errors: ErrorItem[] };

/** The version of a validated manifest: the hash of its canonical JSON, so key order and layout do not matter. */
export function manifestVersion(m: Manifest): string {
  return `sha256:${sha256Hex(canonicalJson(m))}`;
}

export function parseManifest(source: string): ParseManifestResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, keepSourceTokens: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        path: "",
        message:
          e.code === "MULTIPLE_DOCS"
            ? "YAML syntax: a manifest is a single YAML document (remove the extra ---)"
            : `YAML syntax: ${e.message}`,
        line: lineCounter.linePos(e.pos[0]).line,
      })),
    };
  }
  let data: unknown;
  try {
    // A low alias budget: a manifest has no reason to expand aliases much ("billion laughs").
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, errors: [{ path: "", message: `YAML: ${(e as Error).message}` }] };
  }
  return validateManifestData(data, lineLocator(doc, lineCounter));
}

/** Validates an already-parsed manifest value (e.g. a JSON request body); lines only when `lineOf` is given. */
export function validateManifestData(data: unknown, lineOf?: LineOf): ParseManifestResult {
  if (data === null || data === undefined)
    return { ok: false, errors: [{ path: "", message: "the manifest is empty" }] };
  if (typeof data !== "object" || Array.isArray(data)) {
    const message = "the manifest must be a mapping of fields (apiVersion, kind, name, ...)";
    const line = lineOf?.([]);
    return { ok: false, errors: [line === undefined ? { path: "", message } : { path: "", message, line }] };
  }
  const result = manifestSchema.safeParse(data, { reportInput: true });
  if (!result.success) return { ok: false, errors: issuesToErrors(result.error.issues, lineOf) };
  return { ok: true, manifest: result.data, version: manifestVersion(result.data) };
}

/** parseManifest for callers that want an exception: TollgateError("invalid_manifest") with all errors. */
export function loadManifest(source: string): { manifest: Manifest; version: string } {
  const result = parseManifest(source);
  if (result.ok) return { manifest: result.manifest, version: result.version };
  throw new TollgateError("invalid_manifest", summarize(result.errors), { errors: result.errors });
}

export function summarize(errors: readonly ErrorItem[]): string {
  const first = errors[0];
  if (!first) return "invalid manifest";
  const where = [first.path, first.line === undefined ? "" : `line ${first.line}`].filter(Boolean).join(", ");
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return `invalid manifest: ${where ? `${where}: ` : ""}${first.message}${more}`;
}
