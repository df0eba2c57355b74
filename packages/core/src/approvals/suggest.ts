/**
 * "Relax with evidence": from the record of calls that needed a human, per action, how they were
 * decided, by whom and how long they waited, and an allow rule to paste where the record supports
 * relaxing. A single denial argues against relaxing; so does too small a record. Pure: the server
 * reads the history, this decides what it says.
 */
import { stringify } from "yaml";

export type HistoryStatus = "pending" | "approved" | "denied" | "expired" | "cancelled";

/** One approval of the past, as stored (arguments already redacted). */
export interface ApprovalHistoryItem {
  /** canonical action id, system.action */
  tool: string;
  class: string;
  args: unknown;
  /** rules that made the call need approval; empty when the class default did */
  rules: string[];
  status: HistoryStatus;
  requestedAt: string;
  decidedAt: string | null;
  /** who decided, in order: one entry per recorded decision */
  decisions: { name: string; decision: "approve" | "deny"; reason: string | null }[];
}

export interface SuggestedRule {
  name: string;
  match: string;
  when?: string;
  effect: "allow";
  reason: string;
}

export interface ActionEvidence {
  tool: string;
  class: string;
  requests: number;
  approved: number;
  denied: number;
  expired: number;
  cancelled: number;
  pending: number;
  /** each person who decided, with their approvals and denials */
  approvers: { name: string; approved: number; denied: number }[];
  /** from request to final decision, over decided approvals */
  waitSeconds: { p50: number; max: number } | null;
  /** the rules that asked for approval (empty: the class default) */
  askedBy: string[];
  /** a rule to paste into policy.rules, or null */
  suggestion: { rule: SuggestedRule; yaml: string } | null;
  /** one sentence: why there is, or is not, a suggestion */
  verdict: string;
}

export interface SuggestOptions {
  /** approvals (with no denial) needed before relaxing is suggested */
  minApprovals: number;
}

export const defaultSuggestOptions: SuggestOptions = { minApprovals: 5 };

export function suggestRelaxations(
  history: readonly ApprovalHistoryItem[],
  opts: SuggestOptions = defaultSuggestOptions,
): ActionEvidence[] {
  const byTool = new Map<string, ApprovalHistoryItem[]>();
  for (const item of history) {
    const list = byTool.get(item.tool) ?? [];
    list.push(item);
    byTool.set(item.tool, list);
  }
  return [...byTool.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([tool, items]) => evidenceFor(tool, items, opts));
}

function evidenceFor(tool: string, items: ApprovalHistoryItem[], opts: SuggestOptions): ActionEvidence {
  const count = (s: HistoryStatus) => items.filter((i) => i.status === s).length;
  const approvedItems = items.filter((i) => i.status === "approved");
  const deniedItems = items.filter((i) => i.status === "denied");
  const askedBy = [...new Set(items.flatMap((i) => i.rules))].sort();
  const evidence: ActionEvidence = {
    tool,
    class: items[0]?.class ?? "UNKNOWN",
    requests: items.length,
    approved: approvedItems.length,
    denied: deniedItems.length,
    expired: count("expired"),
    cancelled: count("cancelled"),
    pending: count("pending"),
    approvers: approversOf(items),
    waitSeconds: waits(items),
    askedBy,
    suggestion: null,
    verdict: "",
  };
  if (deniedItems.length > 0) {
    const d = deniedItems[deniedItems.length - 1]?.decisions.find((x) => x.decision === "deny");
    evidence.verdict = `${deniedItems.length} denied (last by ${d?.name ?? "an approver"}${d?.reason ? `: "${d.reason}"` : ""}): keep asking`;
    return evidence;
  }
  if (askedBy.length > 0) {
    evidence.verdict = `approval is asked for by rule ${askedBy.join(", ")}; an allow rule cannot outrank it, so narrow that rule instead`;
    return evidence;
  }
  if (approvedItems.length < opts.minApprovals) {
    evidence.verdict = `${approvedItems.length} approved so far; at least ${opts.minApprovals} with no denial are needed before relaxing is suggested`;
    return evidence;
  }
  const rule = relaxingRule(tool, approvedItems, evidence);
  evidence.suggestion = { rule, yaml: stringify([rule], { lineWidth: 0 }) };
  evidence.verdict = rule.when
    ? `approved ${approvedItems.length} times, never denied, always with ${rule.when}: safe to allow that case`
    : `approved ${approvedItems.length} times, never denied: the record supports allowing it`;
  return evidence;
}

/** Narrowed by every argument that had the same plain value in every approved call. */
function relaxingRule(tool: string, approved: ApprovalHistoryItem[], e: ActionEvidence): SuggestedRule {
  const constants = constantArgs(approved.map((i) => i.args));
  const when = constants.map(([k, v]) => `${argRef(k)} == ${celLiteral(v)}`).join(" && ");
  const suffix = constants.map(([k, v]) => `${k}-${String(v)}`).join("-");
  const people = e.approvers.filter((a) => a.approved > 0).length;
  const first = approved
    .map((i) => i.requestedAt)
    .sort()[0]
    ?.slice(0, 10);
  const last = approved
    .map((i) => i.requestedAt)
    .sort()
    .at(-1)
    ?.slice(0, 10);
  const rule: SuggestedRule = {
    name: ruleNameFor(`allow-${tool.replace(".", "-")}${suffix ? `-${suffix}` : ""}`),
    match: tool,
    effect: "allow",
    reason: `approved ${e.approved} times by ${people} approver${people === 1 ? "" : "s"}, never denied (${first} to ${last})`,
  };
  if (when) rule.when = when;
  return rule;
}

type Plain = string | number | boolean;

function constantArgs(argsList: unknown[]): [string, Plain][] {
  const [first, ...rest] = argsList;
  if (!isRecord(first)) return [];
  const out: [string, Plain][] = [];
  for (const [k, v] of Object.entries(first)) {
    if (!isPlain(v) || (typeof v === "string" && v.includes("[REDACTED"))) continue;
    if (rest.every((a) => isRecord(a) && a[k] === v)) out.push([k, v]);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isPlain(v: unknown): v is Plain {
  return typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}

function argRef(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `args.${key}` : `args[${JSON.stringify(key)}]`;
}

/** JSON's string escapes are valid CEL string escapes; numbers print as CEL ints or doubles, as args bind them. */
function celLiteral(v: Plain): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function ruleNameFor(raw: string): string {
  return raw
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 100);
}

function approversOf(items: ApprovalHistoryItem[]): ActionEvidence["approvers"] {
  const by = new Map<string, { name: string; approved: number; denied: number }>();
  for (const d of items.flatMap((i) => i.decisions)) {
    const a = by.get(d.name) ?? { name: d.name, approved: 0, denied: 0 };
    if (d.decision === "approve") a.approved++;
    else a.denied++;
    by.set(d.name, a);
  }
  return [...by.values()].sort((a, b) => b.approved + b.denied - (a.approved + a.denied));
}

function waits(items: ApprovalHistoryItem[]): ActionEvidence["waitSeconds"] {
  const secs = items
    .filter((i) => (i.status === "approved" || i.status === "denied") && i.decidedAt)
    .map((i) => Math.max(0, (Date.parse(i.decidedAt as string) - Date.parse(i.requestedAt)) / 1000))
    .sort((a, b) => a - b);
  if (secs.length === 0) return null;
  const mid = Math.floor((secs.length - 1) / 2);
  const p50 = secs.length % 2 === 1 ? (secs[mid] as number) : ((secs[mid] as number) + (secs[mid + 1] as number)) / 2;
  return { p50: round(p50), max: round(secs[secs.length - 1] as number) };
}

const round = (n: number) => Math.round(n * 10) / 10;
