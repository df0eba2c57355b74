import Table from "cli-table3";
import pc from "picocolors";
import type { Timeline, TimelineEntry, WorkflowDiff } from "@tollgate/sdk";
import { timelineLines } from "./timeline-entries.js";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function table(head: string[], rows: (string | number | null | undefined)[][]): string {
  const t = new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((c) => (c === null || c === undefined ? "" : String(c))));
  return t.toString();
}

const colourOf: Record<string, (s: string) => string> = {
  allowed: pc.green,
  blocked: pc.red,
  "needs approval": pc.yellow,
};

function colourSummary(e: TimelineEntry): string {
  let s = e.summary;
  for (const [word, colour] of Object.entries(colourOf)) s = s.replace(word, colour(word));
  if (e.type === "approval.decided")
    s = s.replace(/\b(approved|denied)\b/, (w) => (w === "approved" ? pc.green(w) : pc.red(w)));
  if (e.type.endsWith("failed") || e.type.endsWith("stopped") || e.type.endsWith("outcome_unknown")) s = pc.red(s);
  return s;
}

/** The run as a person reads it: one line per event, times relative to the start. */
export function renderTimeline(t: Timeline): string {
  const r = t.run;
  const start = Date.parse(r.startedAt);
  const lines = [
    `${pc.bold(`Run ${r.id}`)}  ${r.workflow} @ ${r.workflowVersion.replace("sha256:", "").slice(0, 12)}  ${statusColour(r.status)}${r.stopReason ? ` (${r.stopReason})` : ""}`,
    `agent ${r.agent ?? "-"}  acting as ${r.actingAs ? `${r.actingAs.kind}:${r.actingAs.id}` : "-"}  trace ${r.traceId}`,
    `usage: ${r.usage.toolCalls} tool calls, ${r.usage.modelCalls} model calls, $${r.usage.costUsd.toFixed(4)}`,
    ...renderVersions(r),
    "",
  ];
  lines.push(...timelineLines(t.entries, start, colourSummary));
  return lines.join("\n");
}

const short = (v: string) => v.replace("sha256:", "").slice(0, 12);

/** The versions the run was pinned to (change control): workflow, prompts, tool definitions, model, release. */
export function renderVersions(r: Timeline["run"]): string[] {
  const v = r.versions;
  const parts = [`workflow ${short(v.workflow)}`];
  for (const [name, version] of Object.entries(v.prompts ?? {})) parts.push(`prompt ${name} ${short(version)}`);
  for (const [tool, hash] of Object.entries(v.tools ?? {})) parts.push(`tool ${tool} ${short(hash)}`);
  parts.push(`model ${v.model ?? "-"}`);
  if (v.release) parts.push(`release ${v.release}`);
  return [`versions: ${parts.join(", ")}${r.simulated ? `  ${pc.magenta("(simulated)")}` : ""}`];
}

function statusColour(s: string): string {
  return s === "succeeded" ? pc.green(s) : s === "running" ? pc.cyan(s) : pc.red(s);
}

/** A workflow diff as a unified diff, coloured where the terminal takes colour. */
export function renderDiff(d: WorkflowDiff): string {
  const by = (v: WorkflowDiff["from"]) => `${v.version} (${v.createdAt}${v.createdBy ? `, ${v.createdBy}` : ""})`;
  const lines = [pc.bold(`--- ${by(d.from)}`), pc.bold(`+++ ${by(d.to)}`)];
  if (d.hunks.length === 0) lines.push("(the two versions were written the same)");
  for (const h of d.hunks) {
    lines.push(pc.cyan(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`));
    for (const l of h.lines) lines.push(l.startsWith("+") ? pc.green(l) : l.startsWith("-") ? pc.red(l) : l);
  }
  return `${lines.join("\n")}\n`;
}
