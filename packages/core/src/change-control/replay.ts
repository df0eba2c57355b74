/**
 * Policy replay: re-decides the recorded calls of past runs under a candidate manifest and
 * reports every decision that would change. Recorded arguments are the stored, redacted ones: a
 * rule that reads a redacted value may decide differently than it would have on the original, so
 * such calls are flagged `uncertain`.
 */
import type { CompiledWorkflow } from "../manifest/compile.js";
import { effectRank } from "../policy/types.js";
import { decideCall, hasRedactionPlaceholder, type Outcome } from "./recorded-call.js";

export interface RecordedCall {
  id: string;
  tool: string;
  args: unknown;
  decision: string;
  rules: string[];
  createdAt: string;
}

export interface RecordedRun {
  id: string;
  workflowVersion: string;
  agent: string | null;
  actingAs: string | null;
  labels: Record<string, string>;
  startedAt: string;
  /** in the order they were made */
  calls: RecordedCall[];
}

export interface ReplayChange {
  runId: string;
  callId: string;
  tool: string;
  at: string;
  from: { decision: string; rules: string[] };
  to: { decision: Outcome; rules: string[]; reason: string };
  /** stricter: allow → approve → block; looser the other way; other: to or from invalid_arguments */
  direction: "stricter" | "looser" | "other";
  /** the recorded arguments carry redaction placeholders, so the new decision may differ on the originals */
  uncertain: boolean;
}

export interface ReplayReport {
  candidateVersion: string;
  runs: number;
  calls: number;
  unchanged: number;
  /** calls a policy did not decide (the loop guard blocked them): not re-decided */
  skipped: number;
  /** calls whose recorded arguments carry redaction placeholders (changed or not) */
  uncertain: number;
  /** "allow → approve": how many */
  summary: Record<string, number>;
  changes: ReplayChange[];
}

/** Decisions that were not policy's: the loop guard's block does not depend on the rules. */
const notPolicy = new Set(["loop_guard"]);

export function replayRuns(candidate: CompiledWorkflow, runs: readonly RecordedRun[]): ReplayReport {
  const report: ReplayReport = {
    candidateVersion: candidate.version,
    runs: runs.length,
    calls: 0,
    unchanged: 0,
    skipped: 0,
    uncertain: 0,
    summary: {},
    changes: [],
  };
  for (const run of runs) {
    run.calls.forEach((call, index) => {
      report.calls++;
      if (call.rules.some((r) => notPolicy.has(r))) {
        report.skipped++;
        return;
      }
      const args = call.args && typeof call.args === "object" ? (call.args as Record<string, unknown>) : {};
      const uncertain = hasRedactionPlaceholder(args);
      if (uncertain) report.uncertain++;
      const to = decideCall(candidate, {
        tool: call.tool,
        args,
        run: {
          ...(run.agent ? { agent: run.agent } : {}),
          ...(run.actingAs ? { actingAs: run.actingAs } : {}),
          labels: run.labels,
        },
        // the run's counters when the call was made: the calls before it (model calls and cost are not known per call)
        usage: { toolCalls: index },
        now: new Date(call.createdAt),
      });
      if (to.decision === call.decision && sameRules(to.rules, call.rules)) {
        report.unchanged++;
        return;
      }
      const key = `${call.decision} → ${to.decision}`;
      report.summary[key] = (report.summary[key] ?? 0) + 1;
      report.changes.push({
        runId: run.id,
        callId: call.id,
        tool: call.tool,
        at: call.createdAt,
        from: { decision: call.decision, rules: call.rules },
        to,
        direction: direction(call.decision, to.decision),
        uncertain,
      });
    });
  }
  return report;
}

function sameRules(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join("\u0000") === [...b].sort().join("\u0000");
}

function direction(from: string, to: Outcome): ReplayChange["direction"] {
  const a = effectRank[from as keyof typeof effectRank];
  const b = effectRank[to as keyof typeof effectRank];
  if (a === undefined || b === undefined || a === b) return "other";
  return b > a ? "stricter" : "looser";
}
