import { readFileSync, writeFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { manifestJsonSchema } from "./json-schema.js";

const schemaFile = new URL("../../manifest.schema.json", import.meta.url);
const generated = `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;

describe("manifest.schema.json", () => {
  // The shipped file is generated; UPDATE_SCHEMA=1 npx vitest run packages/core rewrites it.
  it("is up to date with the zod schema", () => {
    if (process.env.UPDATE_SCHEMA === "1") writeFileSync(schemaFile, generated);
    expect(readFileSync(schemaFile, "utf8")).toBe(generated);
  });

  it("accepts the example manifest and rejects a wrong class", () => {
    const validate = new Ajv({ strict: false }).compile(manifestJsonSchema());
    const example = parse(readFileSync(new URL("./fixtures/support-triage.yaml", import.meta.url), "utf8"));
    expect(validate(example)).toBe(true);
    example.systems.tracker.actions.create_issue.class = "WRIT";
    expect(validate(example)).toBe(false);
  });
});
