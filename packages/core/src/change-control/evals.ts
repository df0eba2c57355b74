/**
 * Eval suites: representative cases of a workflow (agent input, scripted tool responses,
 * expectations), checked against what a simulated run did, and compared with the last accepted
 * baseline. A case that passed in the baseline and fails now is a regression; so is a failing
 * case the baseline does not know. A case that failed in the baseline too is a known failure.
 */
import { z } from "zod";
import { matchesSubset, scriptedResponsesSchema } from "./simulation.js";
import { parseYamlFile } from "./yaml-file.js";

const decision = z.enum(["allow", "approve", "block"]);
const count = z.union([
  z.number().int().min(0),
  z.object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).strict(),
]);

const callExpectation = z
  .object({
    tool: z.string().min(1),
    /** every field given must equal the (stored, redacted) argument */
    args: z.record(z.string(), z.unknown()).optional(),
    decision: decision.optional(),
    status: z.string().optional(),
  })
  .strict();

const evalCase = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().optional(),
    /** handed to the agent as JSON on standard input and in TOLLGATE_EVAL_INPUT */
    input: z.unknown().optional(),
    responses: scriptedResponsesSchema.default({}),
    labels: z.record(z.string(), z.string()).optional(),
    expect: z
      .object({
        status: z.enum(["succeeded", "failed", "cancelled", "stopped", "running"]).optional(),
        /** each must match at least one call of the run */
        calls: z.array(callExpectation).optional(),
        /** none of the run's calls may match any of these (a tool id or a call pattern) */
        notCalled: z.array(z.union([z.string().min(1), callExpectation])).optional(),
        /** calls that needed a human's approval */
        approvalsNeeded: count.optional(),
        /** calls policy (or the boundary) blocked */
        blocked: count.optional(),
        budget: z
          .object({
            maxToolCalls: z.number().int().min(0).optional(),
            maxModelCalls: z.number().int().min(0).optional(),
            maxCostUsd: z.number().min(0).optional(),
          })
          .strict()
          .optional(),
        /** the run's final output holds these fields */
        output: z.unknown().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

const suiteFile = z
  .object({
    suite: z.string().min(1).max(200),
    workflow: z.string().min(1),
    description: z.string().optional(),
    cases: z.array(evalCase).min(1, "a suite needs at least one case"),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.cases.forEach((c, i) => {
      if (seen.has(c.name))
        ctx.addIssue({ code: "custom", path: ["cases", i, "name"], message: `duplicate case name "${c.name}"` });
      seen.add(c.name);
    });
  });

export type EvalSuite = z.infer<typeof suiteFile>;
export type EvalCase = EvalSuite["cases"][number];

export function parseEvalSuite(source: string): EvalSuite {
  return parseYamlFile(suiteFile, source, "the eval suite");
}

/** What a simulated run did, as read back from Tollgate. */
export interface ObservedRun {
  runId: string;
  status: string;
  stopReason: string | null;
  usage: { toolCalls: number; modelCalls: number; costUsd: number };
  output: unknown;
  calls: { tool: string; args: unknown; decision: string; status: string; rules: string[] }[];
}

export interface EvalCheck {
  check: string;
  passed: boolean;
  detail: string;
}

export interface EvalCaseResult {
  name: string;
  runId: string;
  passed: boolean;
  checks: EvalCheck[];
  usage: ObservedRun["usage"];
  /** against the baseline: regression (failing, and not a known failure), known_failure, fixed, ok */
  verdict: "ok" | "regression" | "known_failure" | "fixed";
  notes: string[];
}

export interface EvalBaseline {
  suite: string;
  cases: Record<string, { passed: boolean; toolCalls: number }>;
}

export interface EvalReport {
  suite: string;
  workflow: string;
  release: string | null;
  versions: unknown;
  /** true when no case regressed */
  passed: boolean;
  cases: EvalCaseResult[];
  regressions: string[];
  baseline: "none" | "compared";
}

type Call = ObservedRun["calls"][number];
const matchesCall = (c: Call, e: z.infer<typeof callExpectation>) =>
  c.tool === e.tool &&
  (e.decision === undefined || c.decision === e.decision) &&
  (e.status === undefined || c.status === e.status) &&
  (e.args === undefined || matchesSubset(c.args, e.args));

const describeCall = (e: z.infer<typeof callExpectation>) =>
  `${e.tool}${e.args ? ` ${JSON.stringify(e.args)}` : ""}${e.decision ? ` decided ${e.decision}` : ""}${e.status ? ` ending ${e.status}` : ""}`;

function countCheck(name: string, want: z.infer<typeof count>, got: number): EvalCheck {
  const { min, max } = typeof want === "number" ? { min: want, max: want } : want;
  const passed = (min === undefined || got >= min) && (max === undefined || got <= max);
  const wanted =
    min === max
      ? `${min}`
      : `${min !== undefined ? `≥ ${min}` : ""}${min !== undefined && max !== undefined ? " and " : ""}${max !== undefined ? `≤ ${max}` : ""}`;
  return { check: name, passed, detail: `expected ${wanted}, got ${got}` };
}

/** Checks one case's expectations against what its run did. */
export function checkEvalCase(c: EvalCase, run: ObservedRun): EvalCheck[] {
  const e = c.expect;
  const checks: EvalCheck[] = [];
  if (e.status)
    checks.push({
      check: "status",
      passed: run.status === e.status,
      detail: `expected ${e.status}, got ${run.status}${run.stopReason ? ` (${run.stopReason})` : ""}`,
    });
  for (const want of e.calls ?? []) {
    const hit = run.calls.some((call) => matchesCall(call, want));
    const same = run.calls.filter((call) => call.tool === want.tool);
    checks.push({
      check: `called ${describeCall(want)}`,
      passed: hit,
      detail: hit
        ? "made"
        : same.length === 0
          ? "never called"
          : `called ${same.length} time(s), none matching: ${same.map((x) => `${JSON.stringify(x.args)} ${x.decision}/${x.status}`).join("; ")}`,
    });
  }
  for (const raw of e.notCalled ?? []) {
    const want = typeof raw === "string" ? { tool: raw } : raw;
    const hits = run.calls.filter((call) => matchesCall(call, want));
    checks.push({
      check: `not called ${describeCall(want)}`,
      passed: hits.length === 0,
      detail:
        hits.length === 0
          ? "not made"
          : `made ${hits.length} time(s): ${hits.map((x) => `${JSON.stringify(x.args)} ${x.decision}/${x.status}`).join("; ")}`,
    });
  }
  if (e.approvalsNeeded !== undefined)
    checks.push(
      countCheck("approvals needed", e.approvalsNeeded, run.calls.filter((x) => x.decision === "approve").length),
    );
  if (e.blocked !== undefined)
    checks.push(countCheck("blocked calls", e.blocked, run.calls.filter((x) => x.decision === "block").length));
  const b = e.budget;
  if (b?.maxToolCalls !== undefined)
    checks.push(countCheck("tool calls", { max: b.maxToolCalls }, run.usage.toolCalls));
  if (b?.maxModelCalls !== undefined)
    checks.push(countCheck("model calls", { max: b.maxModelCalls }, run.usage.modelCalls));
  if (b?.maxCostUsd !== undefined)
    checks.push({
      check: "cost",
      passed: run.usage.costUsd <= b.maxCostUsd,
      detail: `expected ≤ $${b.maxCostUsd}, got $${run.usage.costUsd}`,
    });
  if (e.output !== undefined) {
    const ok = matchesSubset(run.output, e.output);
    checks.push({
      check: "output",
      passed: ok,
      detail: ok ? "matches" : `expected ${JSON.stringify(e.output)}, got ${JSON.stringify(run.output)}`,
    });
  }
  return checks;
}

/** The report of a suite run: each case's checks, judged against the baseline (if any). */
export function evalReport(
  suite: EvalSuite,
  results: { case: EvalCase; run: ObservedRun }[],
  opts: { baseline?: EvalBaseline; release?: string | null; versions?: unknown } = {},
): EvalReport {
  const base = opts.baseline?.suite === suite.suite ? opts.baseline : undefined;
  const cases = results.map(({ case: c, run }): EvalCaseResult => {
    const checks = checkEvalCase(c, run);
    const passed = checks.every((x) => x.passed);
    const before = base?.cases[c.name];
    const verdict = passed
      ? before && !before.passed
        ? "fixed"
        : "ok"
      : before && !before.passed
        ? "known_failure"
        : "regression";
    const notes: string[] = [];
    if (before && run.usage.toolCalls > before.toolCalls)
      notes.push(`uses more tool calls than the baseline (${run.usage.toolCalls} > ${before.toolCalls})`);
    return { name: c.name, runId: run.runId, passed, checks, usage: run.usage, verdict, notes };
  });
  const regressions = cases.filter((c) => c.verdict === "regression").map((c) => c.name);
  return {
    suite: suite.suite,
    workflow: suite.workflow,
    release: opts.release ?? null,
    versions: opts.versions ?? null,
    passed: regressions.length === 0,
    cases,
    regressions,
    baseline: base ? "compared" : "none",
  };
}

/** The baseline a report becomes when it is accepted. */
export function baselineOf(report: EvalReport): EvalBaseline {
  return {
    suite: report.suite,
    cases: Object.fromEntries(report.cases.map((c) => [c.name, { passed: c.passed, toolCalls: c.usage.toolCalls }])),
  };
}
