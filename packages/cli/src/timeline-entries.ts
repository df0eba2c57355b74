import type { TimelineEntry } from "@tollgate/sdk";
import pc from "picocolors";

type Details = Record<string, unknown>;

const placeholder = /\[REDACTED:([a-z0-9_.-]+)\]|\[((?:secret|pii)[a-z0-9_.-]*):[0-9a-f]{8}\]/g;

/** Which kinds of values were redacted in an event, with counts ("pii.email ×2"). */
export function redactionsIn(details: Details | undefined): string[] {
  const counts = new Map<string, number>();
  for (const m of JSON.stringify(details ?? {}).matchAll(placeholder)) {
    const kind = m[1] ?? m[2]!;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k));
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The facts under an event's sentence: rule, duration, attempts, cost, tokens, redactions. */
export function entryFacts(e: TimelineEntry, waitedMs: number | undefined): string[] {
  const d = e.details ?? {};
  const facts: string[] = [];
  const rules = Array.isArray(d.rules) ? (d.rules as string[]) : [];
  if (e.type === "tool_call.decided" && rules.length > 0) facts.push(`rule ${rules.join(", ")}`);
  if (waitedMs !== undefined) facts.push(`${formatMs(waitedMs)} after it was asked`);
  const duration = num(d.durationMs);
  if (duration !== undefined && !e.summary.includes(`${duration} ms`)) facts.push(`took ${formatMs(duration)}`);
  const cost = num(d.costUsd) ?? num((d.cost as Details | undefined)?.usd);
  if (cost !== undefined) facts.push(`cost $${cost.toFixed(4)}`);
  const usage = (d.usage as Details | undefined) ?? d;
  const inTokens = num(usage.inputTokens) ?? num(usage.input_tokens) ?? num(usage.prompt_tokens);
  const outTokens = num(usage.outputTokens) ?? num(usage.output_tokens) ?? num(usage.completion_tokens);
  if (inTokens !== undefined || outTokens !== undefined)
    facts.push(`tokens ${inTokens ?? 0} in / ${outTokens ?? 0} out`);
  const redacted = redactionsIn(d);
  if (redacted.length > 0) facts.push(`redacted ${redacted.join(", ")}`);
  return facts;
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * The timeline's body: the time of day (UTC) and the offset from the run's start, the event's
 * sentence, and under it the facts a reviewer looks for. A call's outcome says how long after it
 * was asked it came (approvals make that long).
 */
export function timelineLines(
  entries: TimelineEntry[],
  runStart: number,
  colour: (e: TimelineEntry) => string,
): string[] {
  const askedAt = new Map<string, number>();
  const out: string[] = [];
  for (const e of entries) {
    const at = Date.parse(e.at);
    const clock = new Date(at).toISOString().slice(11, 23);
    const offset = `+${((at - runStart) / 1000).toFixed(3)}s`.padStart(10);
    out.push(`${pc.dim(`${clock} ${offset}`)}  ${colour(e)}`);
    let waited: number | undefined;
    if (e.callId && e.type === "tool_call.decided") askedAt.set(e.callId, at);
    else if (e.callId && /^tool_call\.(completed|failed|outcome_unknown)$/.test(e.type) && askedAt.has(e.callId)) {
      const since = at - askedAt.get(e.callId)!;
      if (since >= 1000) waited = since;
    }
    const facts = entryFacts(e, waited);
    if (facts.length > 0) out.push(`${" ".repeat(25)}${pc.dim(facts.join(" · "))}`);
  }
  return out;
}
