import type { CheckStatus, ReadinessCheck, ReadinessReport } from "@tollgate/sdk";
import type { Command } from "commander";
import pc from "picocolors";
import { clientFrom, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

const marks: Record<CheckStatus, string> = {
  pass: pc.green("✓ pass"),
  warn: pc.yellow("! warn"),
  fail: pc.red("✗ fail"),
};

function renderChecks(checks: ReadinessCheck[]): string[] {
  return checks.flatMap((c) => [
    `  ${marks[c.status]}  ${pc.bold(c.question)} ${pc.dim(`(${c.id})`)}`,
    ...c.findings.map((f) => `           ${f}`),
  ]);
}

export function renderReadiness(r: ReadinessReport): string {
  const lines = [
    `${pc.bold(`Readiness of workspace ${r.workspace}`)}: ${marks[r.status]}  ${pc.dim(r.generatedAt)}`,
    "",
  ];
  if (r.workflows.length === 0) lines.push("  no workflow is active in this workspace", "");
  for (const w of r.workflows)
    lines.push(
      `${pc.bold(`workflow ${w.workflow}`)} ${pc.dim(w.version.replace(/^sha256:/, "").slice(0, 12))}: ${marks[w.status]}`,
      ...renderChecks(w.checks),
      "",
    );
  lines.push(pc.bold("the audit record"), ...renderChecks(r.record), "");
  return `${lines.join("\n")}\n`;
}

/** `tollgate readiness`: the security review's questions, answered for a workspace (admin or auditor key). */
export function readinessCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command("readiness")
    .description("the readiness report: each workflow and the audit record checked; exits 2 when a check fails")
    .requiredOption("--workspace <ws>")
    .option("--workflow <name>", "only this workflow")
    .action(async (o) => {
      const r = await clientFrom(globals()).readiness(o.workspace, o.workflow);
      globals().json === true ? printJson(r) : process.stdout.write(renderReadiness(r));
      if (r.status === "fail") process.exitCode = 2;
    });
}
