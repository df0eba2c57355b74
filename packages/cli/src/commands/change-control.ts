import { readFileSync } from "node:fs";
import { compileWorkflow, loadManifest, type PolicyTestReport, parsePolicyTests, runPolicyTests } from "@tollgate/core";
import type { ReplayResult } from "@tollgate/sdk";
import type { Command } from "commander";
import pc from "picocolors";
import { CliError, clientFrom, type GlobalOptions } from "../context.js";
import { printJson, table } from "../output.js";

export function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

const short = (v: string | null | undefined) => (v ? v.replace("sha256:", "").slice(0, 12) : "-");

/** policy test (offline), replay, prompts and releases. */
export function changeControlCommands(program: Command, globals: () => GlobalOptions): void {
  const client = () => clientFrom(globals());
  const json = () => globals().json === true;

  // `policy` may already exist (policy suggest): add to it rather than make a second one.
  const policy = program.commands.find((c) => c.name() === "policy") ?? program.command("policy").description("policy");
  policy
    .command("test <manifest> <testfile>")
    .description(
      "run a manifest's policy tests offline: each case's tool, args and run context against the expected decision and rules",
    )
    .action((manifestFile: string, testFile: string) => {
      const { manifest, version } = loadManifest(readText(manifestFile));
      const report = runPolicyTests(compileWorkflow(manifest, version), parsePolicyTests(readText(testFile)));
      json() ? printJson(report) : process.stdout.write(renderPolicyTests(report));
      if (report.failed > 0) process.exitCode = 1;
    });

  program
    .command("replay")
    .description(
      "re-decide the recorded calls of past runs under a candidate manifest and show every decision that would change",
    )
    .requiredOption("--workspace <ws>")
    .requiredOption("--workflow <name>")
    .requiredOption("--candidate <manifest>", "the changed manifest (YAML)")
    .option("--since <duration>", "how far back, e.g. 7d or 12h", "7d")
    .option("--limit <n>", "most recent runs to look at", "200")
    .action(async (o) => {
      const r = await client().replay(o.workspace, o.workflow, {
        candidate: readText(o.candidate),
        since: o.since,
        limit: Number(o.limit),
      });
      json() ? printJson(r) : process.stdout.write(renderReplay(r));
    });

  const prompts = program.command("prompts").description("prompt versions and labels");
  prompts
    .command("put <name> <file>")
    .requiredOption("--workspace <ws>")
    .option("--label <label...>", "point these labels (e.g. staging) at the new version")
    .action(async (name: string, file: string, o) => {
      const r = await client().putPrompt(o.workspace, name, readText(file), o.label);
      json() ? printJson(r) : process.stdout.write(`prompt ${r.name} is at version ${r.version}\n`);
    });
  prompts
    .command("get <name>")
    .requiredOption("--workspace <ws>")
    .option("--ref <versionOrLabel>", "a version hash or a label (default: newest)")
    .action(async (name: string, o) => {
      const p = await client().getPrompt(o.workspace, name, o.ref);
      json()
        ? printJson(p)
        : process.stdout.write(`${pc.bold(p.name)} ${p.version} [${p.labels.join(", ")}]\n${p.template}\n`);
    });
  prompts
    .command("label <name> <label> <version>")
    .description("move a label (production, staging…) to a version")
    .requiredOption("--workspace <ws>")
    .action(async (name: string, label: string, version: string, o) => {
      const r = await client().movePromptLabel(o.workspace, name, label, version);
      json()
        ? printJson(r)
        : process.stdout.write(`${name}@${label}: ${short(r.previousVersion)} → ${short(r.version)}\n`);
    });

  const releases = program
    .command("releases")
    .description("releases: manifest, prompt and model versions that ship together");
  releases
    .command("create")
    .requiredOption("--workspace <ws>")
    .requiredOption("--workflow <name>")
    .option("--workflow-version <version>", "default: the workflow's active version")
    .option("--prompt <name=ref...>", "a prompt by version hash or label, e.g. triage=staging")
    .option("--model <model>")
    .option("--description <text>")
    .action(async (o) => {
      const prompts: Record<string, string> = {};
      for (const p of (o.prompt as string[] | undefined) ?? []) {
        const [name, ref] = p.split("=");
        if (!name || !ref) throw new CliError(`--prompt takes name=version-or-label, not ${p}`);
        prompts[name] = ref;
      }
      const r = await client().createRelease(o.workspace, {
        workflow: o.workflow,
        ...(o.workflowVersion ? { workflowVersion: o.workflowVersion } : {}),
        ...(Object.keys(prompts).length ? { prompts } : {}),
        ...(o.model ? { model: o.model } : {}),
        ...(o.description ? { description: o.description } : {}),
      });
      json()
        ? printJson(r)
        : process.stdout.write(`release ${r.id} created; gate it with: tollgate eval --release ${r.id} …\n`);
    });
  releases
    .command("list")
    .requiredOption("--workspace <ws>")
    .option("--workflow <name>")
    .action(async (o) => {
      const { items } = await client().listReleases(o.workspace, o.workflow);
      if (json()) return printJson(items);
      process.stdout.write(
        `${table(
          ["release", "workflow", "manifest", "prompts", "model", "eval", "active"],
          items.map((r) => [
            r.id,
            r.workflow,
            short(r.workflowVersion),
            Object.entries(r.prompts)
              .map(([n, v]) => `${n} ${short(v)}`)
              .join(", "),
            r.model,
            r.evalReports.some((x) => x.passed) ? pc.green("passed") : r.evalReports.length ? pc.red("failed") : "none",
            r.active ? pc.green("active") : "",
          ]),
        )}\n`,
      );
    });
  releases
    .command("activate <id>")
    .requiredOption("--workspace <ws>")
    .option("--override <reason>", "admin override without a passing eval report (the reason is recorded)")
    .action(async (id: string, o) => {
      const r = await client().activateRelease(o.workspace, id, o.override ? { reason: o.override } : undefined);
      json()
        ? printJson(r)
        : process.stdout.write(
            `release ${r.releaseId} is active (${r.activation.kind}; before: ${r.previousReleaseId ?? "none"})\n`,
          );
    });
  releases
    .command("rollback")
    .requiredOption("--workspace <ws>")
    .requiredOption("--workflow <name>")
    .action(async (o) => {
      const r = await client().rollbackRelease(o.workspace, o.workflow);
      json()
        ? printJson(r)
        : process.stdout.write(`rolled back: release ${r.releaseId} is active again (was ${r.previousReleaseId})\n`);
    });
}

function renderPolicyTests(r: PolicyTestReport): string {
  const lines = [`${pc.bold(`policy tests of ${r.workflow}`)} ${short(r.version)}`];
  for (const t of r.results) {
    if (t.passed) {
      lines.push(`  ${pc.green("✓")} ${t.name}`);
      continue;
    }
    lines.push(`  ${pc.red("✗")} ${t.name}`);
    lines.push(`      ${t.tool}: ${t.failure}`);
    lines.push(
      `      expected: ${t.expected.decision}${t.expected.rules ? ` by [${t.expected.rules.join(", ")}]` : ""}${t.expected.includesRules ? ` including [${t.expected.includesRules.join(", ")}]` : ""}`,
    );
    lines.push(`      got:      ${t.got.decision} by [${t.got.rules.join(", ") || "class default"}]: ${t.got.reason}`);
  }
  const verdict =
    r.failed === 0 ? pc.green(`${r.passed} passed`) : `${pc.red(`${r.failed} failed`)}, ${r.passed} passed`;
  lines.push("", verdict, "");
  return lines.join("\n");
}

function renderReplay(r: ReplayResult): string {
  const lines = [
    `${pc.bold(`replay of ${r.workflow}`)}: candidate ${short(r.candidateVersion)} against ${r.runs} runs since ${r.since} (active ${short(r.currentVersion)})`,
    `${r.calls} calls: ${r.changes.length} would change, ${r.unchanged} unchanged, ${r.skipped} not decided by policy (loop guard)`,
  ];
  for (const [change, n] of Object.entries(r.summary)) lines.push(`  ${change}: ${n}`);
  if (r.changes.length > 0) {
    lines.push(
      table(
        ["run", "call", "tool", "from", "to", "rules before → after"],
        r.changes.map((c) => [
          c.runId,
          c.callId,
          c.tool,
          c.from.decision,
          `${c.direction === "stricter" ? pc.red(c.to.decision) : c.direction === "looser" ? pc.yellow(c.to.decision) : c.to.decision}${c.uncertain ? pc.magenta(" (uncertain)") : ""}`,
          `[${c.from.rules.join(", ")}] → [${c.to.rules.join(", ")}]`,
        ]),
      ),
    );
  }
  if (r.uncertain > 0)
    lines.push(
      pc.magenta(
        `${r.uncertain} call(s) had redacted arguments: a rule that reads a redacted value may decide differently on the original (marked uncertain)`,
      ),
    );
  lines.push("");
  return lines.join("\n");
}
