/**
 * The JSON Schema shipped as packages/core/manifest.schema.json, so editors complete and check
 * manifests. Generated from the zod schema (input side: defaults are optional). Draft-07 because
 * that is what YAML editor tooling understands best. Cross-field checks are not expressible here.
 */
import { z } from "zod";
import { manifestSchema } from "./schema.js";

let cached: Record<string, unknown> | undefined;

export function manifestJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...z.toJSONSchema(manifestSchema, { io: "input", target: "draft-7" }),
    title: "Tollgate workflow manifest",
  };
  return structuredClone(cached);
}
