/**
 * Argument validation of one action: the JSON Schema of its `input` (compiled once per manifest
 * version with ajv) plus the parameters its HTTP path needs. Errors name `args.<field>`.
 */
import { Ajv, type ErrorObject } from "ajv";
import type { ErrorItem } from "../errors.js";
import { formatPath } from "./path.js";

export function createAjv(): Ajv {
  // strict: false accepts the keywords real-world schemas carry (examples, x-*, unknown formats).
  return new Ajv({ strict: false, allErrors: true, logger: false });
}

const paramPattern = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `/tickets/{id}/notes/{note}` -> ["id", "note"] */
export function pathParams(path: string): string[] {
  return Array.from(path.matchAll(paramPattern), (m) => m[1] as string);
}

export type ArgsValidator = (args: unknown) => ErrorItem[];

export function argsValidator(
  ajv: () => Ajv,
  input: Record<string, unknown> | undefined,
  path?: string,
): ArgsValidator {
  const params = path ? pathParams(path) : [];
  const validate = input ? ajv().compile(prepare(input)) : undefined;
  return (args) => {
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      return [{ path: "args", message: "arguments must be a JSON object" }];
    }
    const errors: ErrorItem[] = [];
    if (validate && !validate(args)) for (const e of validate.errors ?? []) errors.push(toItem(e));
    for (const name of params) {
      const v = (args as Record<string, unknown>)[name];
      const at = `args.${name}`;
      if (typeof v !== "string" && typeof v !== "number" && !errors.some((e) => e.path === at)) {
        errors.push({ path: at, message: `is required by the path ${path} (a string or number)` });
      }
    }
    return errors;
  };
}

/** A validator for a schema met at run time (an MCP tool's input schema); callers keep it. */
export function schemaValidator(schema: Record<string, unknown>): ArgsValidator {
  return argsValidator(createAjv, schema);
}

/** Compiled once per action, so the copy costs nothing per call. */
function prepare(input: Record<string, unknown>): Record<string, unknown> {
  // `$schema` is dropped: ajv's default draft handles the schemas actions use, and a
  // 2020-12 tag (common from MCP servers) would otherwise make compilation fail.
  const { $schema: _, ...schema } = input;
  // Declared properties without a word on the rest: the declaration is the whole contract.
  if (schema.properties !== undefined && !("additionalProperties" in schema)) schema.additionalProperties = false;
  return schema;
}

function toItem(e: ErrorObject): ErrorItem {
  const segs: PropertyKey[] = e.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let message = e.message ?? "is invalid";
  if (e.keyword === "required") {
    segs.push(String(e.params.missingProperty));
    message = "is required";
  } else if (e.keyword === "additionalProperties") {
    segs.push(String(e.params.additionalProperty));
    message = "is not allowed";
  }
  return { path: formatPath(["args", ...segs]), message };
}
