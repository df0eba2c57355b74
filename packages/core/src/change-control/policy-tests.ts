/**
 * Policy tests: cases of a manifest's test file (tool, args, run context → expected decision and
 * rules), run against the compiled manifest with the same decision the governed call makes.
 */
import { z } from "zod";
import type { CompiledWorkflow } from "../manifest/compile.js";
import { type CallContext, callContextFields, decideCall, type Outcome, type Redecision } from "./recorded-call.js";
import { parseYamlFile } from "./yaml-file.js";

const outcome = z.enum(["allow", "approve", "block", "invalid_arguments"]);

const policyCase = z
  .object({
    name: z.string().min(1),
    ...callContextFields,
    now: z.iso.datetime({ offset: true }).optional(),
    expect: z.union([
      outcome,
      z
        .object({
          decision: outcome,
          /** exactly these rules applied (order does not matter); [] means the class default decided */
          rules: z.array(z.string()).optional(),
          /** at least these rules applied */
          includesRules: z.array(z.string()).optional(),
        })
        .strict(),
    ]),
  })
  .strict();

const policyTestFile = z
  .object({ cases: z.array(policyCase).min(1, "a policy test file needs at least one case") })
  .strict();

export type PolicyTestFile = z.infer<typeof policyTestFile>;

export interface PolicyTestResult {
  name: string;
  tool: string;
  passed: boolean;
  expected: { decision: Outcome; rules?: string[]; includesRules?: string[] };
  got: Redecision;
  /** why it failed, in one sentence */
  failure?: string;
}

export interface PolicyTestReport {
  workflow: string;
  version: string;
  passed: number;
  failed: number;
  results: PolicyTestResult[];
}

export function parsePolicyTests(source: string): PolicyTestFile {
  return parseYamlFile(policyTestFile, source, "the policy test file");
}

export function runPolicyTests(wf: CompiledWorkflow, file: PolicyTestFile): PolicyTestReport {
  const results = file.cases.map((c): PolicyTestResult => {
    const expected = typeof c.expect === "string" ? { decision: c.expect } : c.expect;
    const ctx: CallContext = { tool: c.tool, args: c.args };
    if (c.run) ctx.run = c.run;
    if (c.usage) ctx.usage = c.usage;
    if (c.now) ctx.now = new Date(c.now);
    const got = decideCall(wf, ctx);
    const failure = compare(expected, got);
    return { name: c.name, tool: c.tool, passed: !failure, expected, got, ...(failure ? { failure } : {}) };
  });
  const failed = results.filter((r) => !r.passed).length;
  return { workflow: wf.name, version: wf.version, passed: results.length - failed, failed, results };
}

function compare(expected: PolicyTestResult["expected"], got: Redecision): string | undefined {
  if (expected.decision !== got.decision) return `expected ${expected.decision}, got ${got.decision}`;
  if (expected.rules) {
    const want = [...expected.rules].sort().join(",");
    if (want !== [...got.rules].sort().join(","))
      return `expected rules [${expected.rules.join(", ")}], got [${got.rules.join(", ")}]`;
  }
  const missing = (expected.includesRules ?? []).filter((r) => !got.rules.includes(r));
  if (missing.length > 0) return `expected rule(s) ${missing.join(", ")} to apply; applied: [${got.rules.join(", ")}]`;
  return undefined;
}
