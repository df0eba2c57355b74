import { readFileSync } from "node:fs";
import { compileWorkflow, decideCall, loadManifest, parseManifest } from "@tollgate/core";
import type { Command } from "commander";
import pc from "picocolors";
import { CliError, clientFrom, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";

function readSource(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

function parseArgsJson(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v;
  } catch {}
  throw new CliError(`--args must be a JSON object, e.g. '{"id":"T-1001"}'`);
}

/** validate and simulate: offline on a file, or against a server's active workflow. */
export function offlineCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command("validate <file>")
    .description("check a workflow manifest; prints its version, or each error with path and line")
    .action((file: string) => {
      const r = parseManifest(readSource(file));
      if (globals().json) {
        printJson(r.ok ? { ok: true, name: r.manifest.name, version: r.version } : { ok: false, errors: r.errors });
        if (!r.ok) process.exitCode = 1;
        return;
      }
      if (r.ok) {
        const actions = Object.values(r.manifest.systems).reduce((n, s) => n + Object.keys(s.actions).length, 0);
        process.stdout.write(
          `${pc.green("valid")}: ${r.manifest.name} ${r.version} (${Object.keys(r.manifest.systems).length} systems, ${actions} actions)\n`,
        );
        return;
      }
      for (const e of r.errors)
        process.stdout.write(`${file}${e.line ? `:${e.line}` : ""}: ${pc.red(e.path || "(document)")}: ${e.message}\n`);
      throw new CliError(`${r.errors.length} error(s) in ${file}`);
    });

  program
    .command("simulate")
    .description(
      "show what policy decides for a tool call, from a manifest file (--file) or a server's workflow (--workspace)",
    )
    .requiredOption("--tool <tool>", "system.action")
    .option("--args <json>", "arguments as a JSON object", "{}")
    .option("--file <manifest>", "decide offline from this manifest file")
    .option("--workspace <ws>", "decide on the server, in this workspace")
    .option("--workflow <name>", "workflow name on the server")
    .action(async (o) => {
      const args = parseArgsJson(o.args);
      let result: { decision: string; class: string | null; rules: string[]; reason: string };
      if (o.file) {
        const { manifest, version } = loadManifest(readSource(o.file));
        const wf = compileWorkflow(manifest, version);
        // the same decision the server makes (core decideCall)
        const d = decideCall(wf, { tool: o.tool, args, now: new Date() });
        if (d.decision === "invalid_arguments") throw new CliError(`invalid arguments: ${d.reason}`);
        result = d;
      } else {
        if (!o.workspace || !o.workflow) throw new CliError("give --file, or --workspace and --workflow");
        result = await clientFrom(globals()).simulate(o.workspace, { workflow: o.workflow, tool: o.tool, args });
      }
      if (globals().json) return printJson(result);
      const colour = result.decision === "allow" ? pc.green : result.decision === "approve" ? pc.yellow : pc.red;
      process.stdout.write(
        `${colour(result.decision)} ${o.tool} (${result.class ?? "unknown"})\n  rules: ${result.rules.join(", ") || "(class default)"}\n  reason: ${result.reason}\n`,
      );
    });
}
