import type { EvalReport } from "@tollgate/core";
import type { EvalReportReceipt } from "@tollgate/sdk";
import pc from "picocolors";

const verdictText: Record<EvalReport["cases"][number]["verdict"], string> = {
  ok: pc.green("✓"),
  fixed: pc.green("✓ fixed"),
  known_failure: pc.yellow("✗ known failure (in the baseline)"),
  regression: pc.red("✗ REGRESSION"),
};

/** The eval report as a person reads it at a terminal. */
export function renderEvalReport(r: EvalReport, receipt?: EvalReportReceipt): string {
  const lines = [
    `${pc.bold(`eval suite ${r.suite}`)} (workflow ${r.workflow}${r.release ? `, release ${r.release}` : ""}): ${r.cases.length} cases, baseline ${r.baseline === "none" ? "none (every failure counts)" : "compared"}`,
  ];
  for (const c of r.cases) {
    lines.push(`  ${verdictText[c.verdict]} ${c.name}  ${pc.dim(`${c.runId}, ${c.usage.toolCalls} tool calls`)}`);
    for (const check of c.checks.filter((x) => !x.passed))
      lines.push(`      ${pc.red("✗")} ${check.check}: ${check.detail}`);
    for (const note of c.notes) lines.push(`      ${pc.yellow("!")} ${note}`);
  }
  lines.push("");
  lines.push(
    r.passed
      ? pc.green("PASSED: no regressions")
      : pc.red(`FAILED: ${r.regressions.length} regression(s): ${r.regressions.join("; ")}`),
  );
  if (receipt) {
    lines.push(
      receipt.passed
        ? `${pc.green("report accepted")} for release ${receipt.releaseId} (${receipt.reportHash}); it may be activated`
        : `${pc.red("report stored as failing")} for release ${receipt.releaseId}: ${receipt.failures.join("; ")}`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

const xml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[ch] as string,
  );

/** JUnit XML for CI systems: one testcase per eval case; a regression is a failure. */
export function renderJunit(r: EvalReport): string {
  const failures = r.cases.filter((c) => c.verdict === "regression").length;
  const skipped = r.cases.filter((c) => c.verdict === "known_failure").length;
  const cases = r.cases.map((c) => {
    const open = `    <testcase classname="${xml(`${r.workflow}.${r.suite}`)}" name="${xml(c.name)}">`;
    const failed = c.checks.filter((x) => !x.passed).map((x) => `${x.check}: ${x.detail}`);
    const props = `      <system-out>${xml(`run ${c.runId}; ${c.usage.toolCalls} tool calls`)}</system-out>`;
    if (c.verdict === "regression")
      return `${open}\n      <failure message="${xml(failed[0] ?? "failed")}">${xml(failed.join("\n"))}</failure>\n${props}\n    </testcase>`;
    if (c.verdict === "known_failure")
      return `${open}\n      <skipped message="${xml(`known failure in the baseline: ${failed.join("; ")}`)}"/>\n${props}\n    </testcase>`;
    return `${open}\n${props}\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="tollgate eval" tests="${r.cases.length}" failures="${failures}">`,
    `  <testsuite name="${xml(r.suite)}" tests="${r.cases.length}" failures="${failures}" skipped="${skipped}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
