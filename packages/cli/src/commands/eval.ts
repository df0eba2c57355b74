import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import {
  baselineOf,
  type EvalBaseline,
  type EvalCase,
  evalReport,
  type ObservedRun,
  parseEvalSuite,
} from "@tollgate/core";
import type { TollgateClient } from "@tollgate/sdk";
import type { Command } from "commander";
import { CliError, clientFrom, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";
import { readText } from "./change-control.js";
import { renderEvalReport, renderJunit } from "./eval-output.js";

interface EvalOptions {
  suite: string;
  agent: string;
  workspace: string;
  release?: string;
  agentKey?: string;
  baseline?: string;
  accept?: boolean;
  junit?: string;
  timeout: string;
}

/**
 * `tollgate eval`: runs the team's own agent once per case of a suite, each against a simulated
 * run (scripted tool responses, real policy), reads back what happened, checks the expectations,
 * compares with the accepted baseline and exits non-zero on regression.
 */
export function evalCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command("eval")
    .description("run an eval suite against your agent in simulated runs; non-zero exit on regression")
    .requiredOption("--suite <file>", "the suite (YAML)")
    .requiredOption(
      "--agent <command>",
      "the agent command; gets TOLLGATE_URL, TOLLGATE_KEY, TOLLGATE_RUN_ID and the case input",
    )
    .requiredOption("--workspace <ws>")
    .option("--release <id>", "run the release's versions and upload the report to it (the activation gate)")
    .option("--agent-key <key>", "the key handed to the agent (default: this command's key)")
    .option("--baseline <file>", "the accepted baseline to compare with")
    .option("--accept", "write this run's results as the new baseline (--baseline file)")
    .option("--junit <file>", "also write a JUnit XML report")
    .option("--timeout <seconds>", "per case", "120")
    .action(async (o: EvalOptions) => {
      const suite = parseEvalSuite(readText(o.suite));
      const tollgate = clientFrom(globals());
      const url = globals().url ?? process.env.TOLLGATE_URL ?? "http://127.0.0.1:8787";
      const agentKey = o.agentKey ?? (tollgate as unknown as { opts: { key: string } }).opts.key;
      const baseline =
        o.baseline && existsSync(o.baseline) ? (JSON.parse(readText(o.baseline)) as EvalBaseline) : undefined;
      const results: { case: EvalCase; run: ObservedRun }[] = [];
      let versions: unknown = null;
      for (const c of suite.cases) {
        if (!globals().json) process.stderr.write(`  running ${c.name}…\n`);
        const run = await tollgate.startRun({
          workspace: o.workspace,
          workflow: suite.workflow,
          agent: "eval",
          labels: { eval: suite.suite.slice(0, 200), case: c.name, ...c.labels },
          simulation: { responses: c.responses },
          ...(o.release ? { release: o.release } : {}),
        });
        versions ??= run.versions;
        const exit = await runAgent(o.agent, Number(o.timeout) * 1000, {
          TOLLGATE_URL: url,
          TOLLGATE_KEY: agentKey,
          TOLLGATE_RUN_ID: run.id,
          TOLLGATE_WORKSPACE: o.workspace,
          TOLLGATE_WORKFLOW: suite.workflow,
          TOLLGATE_EVAL_CASE: c.name,
          TOLLGATE_EVAL_INPUT: JSON.stringify(c.input ?? null),
        });
        results.push({ case: c, run: await observe(tollgate, run.id, exit) });
      }
      const report = evalReport(suite, results, {
        ...(baseline ? { baseline } : {}),
        release: o.release ?? null,
        versions,
      });
      if (o.junit) writeFileSync(o.junit, renderJunit(report));
      if (o.accept) {
        if (!o.baseline) throw new CliError("--accept needs --baseline FILE to write to");
        writeFileSync(o.baseline, `${JSON.stringify(baselineOf(report), null, 2)}\n`);
      }
      const receipt = o.release
        ? await tollgate.uploadEvalReport(o.workspace, o.release, readText(o.suite), report)
        : undefined;
      if (globals().json) printJson(receipt ? { ...report, upload: receipt } : report);
      else process.stdout.write(renderEvalReport(report, receipt));
      if (!report.passed || (receipt && !receipt.passed)) process.exitCode = 1;
    });
}

interface AgentExit {
  code: number | null;
  timedOut: boolean;
  stderrTail: string;
}

/** Runs the agent command through the shell with the case's environment and input on stdin. */
function runAgent(command: string, timeoutMs: number, env: Record<string, string>): Promise<AgentExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, env: { ...process.env, ...env }, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new CliError(`cannot start the agent command ${JSON.stringify(command)}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stderrTail: stderr.trim().split("\n").slice(-5).join("\n") });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(env.TOLLGATE_EVAL_INPUT);
  });
}

/** What the run did, read back from Tollgate; a run the agent left open is ended as failed. */
async function observe(tollgate: TollgateClient, runId: string, exit: AgentExit): Promise<ObservedRun> {
  let run = await tollgate.getRun(runId);
  if (run.status === "running") {
    const why = exit.timedOut ? "the agent timed out" : `the agent exited (${exit.code}) without finishing the run`;
    run = await tollgate.finishRun(runId, "failed", { error: why, stderr: exit.stderrTail });
  }
  const { toolCalls } = await tollgate.runCalls(runId);
  return {
    runId,
    status: run.status,
    stopReason: run.stopReason,
    usage: run.usage,
    output: run.output,
    calls: toolCalls.map((c) => ({
      tool: c.tool,
      args: c.args,
      decision: c.decision,
      status: c.status,
      rules: c.rules,
    })),
  };
}
