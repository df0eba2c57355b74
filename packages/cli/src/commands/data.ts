import { writeFileSync } from "node:fs";
import type { PurgeReport, RetentionView } from "@tollgate/sdk";
import type { Command } from "commander";
import pc from "picocolors";
import { CliError, clientFrom, type GlobalOptions } from "../context.js";
import { printJson, table } from "../output.js";

const when = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").slice(0, 19) : "");

function renderRetention(r: RetentionView): string {
  const set = (v: string | null, d: string) => (v ? v : `${d} (default)`);
  const rows: string[][] = [
    [
      "workspace",
      set(r.settings.payloads, r.defaults.payloads),
      set(r.settings.runs, r.defaults.runs),
      set(r.settings.audit, r.defaults.audit),
    ],
    ...r.workflows.map((w) => [`workflow ${w.workflow}`, w.windows.payloads, w.windows.runs, w.windows.audit]),
  ];
  const holds = r.legalHolds.map(
    (h) =>
      `  ${pc.yellow("legal hold")} ${h.id} on ${h.runId ? `run ${h.runId}` : "the whole workspace"}: ${h.reason} (${h.createdBy}, ${when(h.createdAt)})`,
  );
  return `${table(["", "payloads", "runs", "audit"], rows)}\n${holds.length ? `${holds.join("\n")}\n` : ""}`;
}

function renderPurge(r: PurgeReport): string {
  const lines = [r.dryRun ? pc.bold("would purge (dry run):") : pc.bold("purged:")];
  for (const ws of r.workspaces) {
    if (ws.held) {
      lines.push(`  workspace ${ws.workspace}: under legal hold, nothing purged`);
      continue;
    }
    for (const w of ws.workflows)
      lines.push(
        `  ${ws.workspace}/${w.workflow}: payloads of ${w.payloads.runs} runs (ended before ${when(w.payloads.before)}, window ${w.windows.payloads}); ` +
          `${w.runs.runs} whole runs (before ${when(w.runs.before)}, window ${w.windows.runs})`,
      );
    if (ws.heldRuns) lines.push(`  ${ws.workspace}: ${ws.heldRuns} runs under legal hold kept`);
  }
  lines.push(
    r.audit.through === null
      ? "  audit: nothing past its window"
      : `  audit: ${r.audit.events} events up to seq ${r.audit.through} (the chain then starts at a signed checkpoint)`,
  );
  return `${lines.join("\n")}\n`;
}

/** `tollgate retention`, `tollgate legal-holds`, `tollgate tenants export|delete` (issue 10). */
export function dataCommands(program: Command, globals: () => GlobalOptions): void {
  const client = () => clientFrom(globals());
  const json = () => globals().json === true;

  const retention = program.command("retention").description("retention windows of a workspace and purges");
  retention
    .command("show")
    .requiredOption("--workspace <ws>")
    .action(async (o) => {
      const r = await client().retention(o.workspace);
      json() ? printJson(r) : process.stdout.write(renderRetention(r));
    });
  retention
    .command("set")
    .description('set windows like 30d; "default" goes back to the default')
    .requiredOption("--workspace <ws>")
    .option("--runs <window>")
    .option("--payloads <window>")
    .option("--audit <window>")
    .action(async (o) => {
      const value = (v: string | undefined) => (v === undefined ? undefined : v === "default" ? null : v);
      const windows = { runs: value(o.runs), payloads: value(o.payloads), audit: value(o.audit) };
      if (Object.values(windows).every((v) => v === undefined))
        throw new CliError("give at least one of --runs, --payloads, --audit");
      const r = await client().setRetention(
        o.workspace,
        Object.fromEntries(Object.entries(windows).filter(([, v]) => v !== undefined)),
      );
      json() ? printJson(r) : process.stdout.write(renderRetention(r));
    });
  retention
    .command("purge")
    .description("purge what is past its window now (--dry-run: only say what would go)")
    .requiredOption("--workspace <ws>")
    .option("--dry-run")
    .action(async (o) => {
      const r = await client().purge(o.workspace, { dryRun: o.dryRun === true });
      json() ? printJson(r) : process.stdout.write(renderPurge(r));
    });

  const holds = program.command("legal-holds").description("legal holds: stop purging a workspace or a run");
  holds
    .command("place")
    .requiredOption("--workspace <ws>")
    .requiredOption("--reason <why>")
    .option("--run <id>", "hold one run (default: the whole workspace)")
    .action(async (o) => {
      const h = await client().placeLegalHold(o.workspace, { reason: o.reason, ...(o.run ? { runId: o.run } : {}) });
      json() ? printJson(h) : process.stdout.write(`legal hold ${h.id} placed on ${h.runId ?? "the workspace"}\n`);
    });
  holds
    .command("list")
    .requiredOption("--workspace <ws>")
    .option("--all", "released holds too")
    .action(async (o) => {
      const r = await client().legalHolds(o.workspace, { all: o.all === true });
      if (json()) return printJson(r);
      process.stdout.write(
        `${table(
          ["id", "on", "reason", "by", "placed", "released"],
          r.items.map((h) => [
            h.id,
            h.runId ?? "workspace",
            h.reason,
            h.createdBy,
            when(h.createdAt),
            when(h.releasedAt),
          ]),
        )}\n`,
      );
    });
  holds
    .command("release <id>")
    .requiredOption("--workspace <ws>")
    .action(async (id: string, o) => {
      await client().releaseLegalHold(o.workspace, id);
      json() ? printJson({ released: id }) : process.stdout.write(`legal hold ${id} released\n`);
    });

  const tenants = program.commands.find((c) => c.name() === "tenants") ?? program.command("tenants");
  tenants
    .command("export <tenant>")
    .description("write every row the tenant owns as JSON lines (sealed values as ciphertext; operator key)")
    .requiredOption("--out <file>")
    .action(async (tenant: string, o) => {
      const text = await client().exportTenant(tenant);
      writeFileSync(o.out, text, { mode: 0o600 });
      const rows = text.split("\n").filter((l) => l.length > 0).length;
      json()
        ? printJson({ file: o.out, rows })
        : process.stdout.write(`${rows} rows of tenant ${tenant} written to ${o.out}\n`);
    });
  tenants
    .command("delete <tenant>")
    .description("delete every row of the tenant and its data key (operator key); nothing of it decrypts afterwards")
    .requiredOption("--yes", "confirm: this cannot be undone")
    .action(async (tenant: string) => {
      const r = await client().deleteTenant(tenant);
      const rows = Object.values(r.deleted).reduce((a, b) => a + b, 0);
      json() ? printJson(r) : process.stdout.write(`tenant ${tenant} deleted: ${rows} rows and its data key\n`);
    });
}
