/**
 * The readiness report: the questions a buyer's security team asks before an agent may run,
 * answered from the workflow's compiled manifest and what the workspace holds. Pure: the server
 * gathers the facts, this decides what they mean.
 */
import { deciderGroupsOf } from "../approvals/groups.js";
import type { CompiledAction, CompiledWorkflow } from "../manifest/compile.js";
import type { CompiledRule } from "../policy/compile.js";

export type CheckStatus = "pass" | "warn" | "fail";

export interface ReadinessCheck {
  /** stable id, e.g. `risky-actions` */
  id: string;
  /** the buyer's question this check answers */
  question: string;
  status: CheckStatus;
  /** one sentence each, naming the action, system, secret or sink concerned */
  findings: string[];
}

export interface WorkflowReadiness {
  workflow: string;
  version: string;
  status: CheckStatus;
  checks: ReadinessCheck[];
}

/** The report of a workspace: its active workflows (or the one asked for) and its audit record. */
export interface ReadinessReport {
  workspace: string;
  generatedAt: string;
  /** the worst status of any check below */
  status: CheckStatus;
  workflows: WorkflowReadiness[];
  /** the workspace's audit record: intact, exported, and approvers told */
  record: ReadinessCheck[];
}

/** What the workspace holds that a workflow's checks depend on. */
export interface WorkspaceFacts {
  /** names of the secrets stored in the workspace's vault */
  secrets: ReadonlySet<string>;
  /** OAuth connections by name, with how many grants (service or user) they hold */
  connections: ReadonlyMap<string, { grants: number }>;
  /** active (not revoked, not expired) keys of the workspace by role */
  activeKeys: Readonly<Record<"admin" | "approver", number>>;
  /** model providers configured in the workspace */
  modelProviders: number;
}

/** Workspace-wide facts: the audit record and where it goes. */
export interface RecordFacts {
  audit: { ok: boolean; checked: number; firstBadSeq?: number; problem?: string };
  sinks: readonly { name: string; failures: number; lastError: string | null }[];
  /** approval notification channels (webhook, chat) configured */
  notificationChannels: number;
}

/** 15m, 4h, 2d: the manifest's own way of writing a duration, for whole units. */
function spoken(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const rank: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2 };

export function worstOf(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = "pass";
  for (const s of statuses) if (rank[s] > rank[worst]) worst = s;
  return worst;
}

function check(id: string, question: string, findings: [CheckStatus, string][]): ReadinessCheck {
  return { id, question, status: worstOf(findings.map(([s]) => s)), findings: findings.map(([, f]) => f) };
}

export function assessWorkflow(wf: CompiledWorkflow, facts: WorkspaceFacts): WorkflowReadiness {
  const checks = [
    boundaryCheck(wf),
    riskyActionsCheck(wf),
    approversCheck(wf, facts),
    credentialsCheck(wf, facts),
    limitsCheck(wf, facts),
    dataCheck(wf, facts),
  ];
  return { workflow: wf.name, version: wf.version, status: worstOf(checks.map((c) => c.status)), checks };
}

export function assessRecord(facts: RecordFacts): ReadinessCheck[] {
  return [auditChainCheck(facts), auditExportCheck(facts), notificationsCheck(facts)];
}

function rulesOf(wf: CompiledWorkflow, a: CompiledAction): readonly CompiledRule[] {
  return wf.policy.byAction.get(a.system)?.get(a.action) ?? [];
}

function boundaryCheck(wf: CompiledWorkflow): ReadinessCheck {
  const byClass = new Map<string, string[]>();
  for (const a of wf.actions.values()) byClass.set(a.class, [...(byClass.get(a.class) ?? []), a.id]);
  const findings: [CheckStatus, string][] = [
    ["pass", `owner ${wf.manifest.owner}; starts when: ${wf.manifest.start}; ends when: ${wf.manifest.end}`],
    [
      "pass",
      `${wf.actions.size} actions in ${wf.connectors.size} systems; anything else is blocked as outside the boundary`,
    ],
  ];
  for (const [cls, ids] of byClass) findings.push(["pass", `${cls}: ${ids.join(", ")}`]);
  return check("boundary", "What exactly may the agent touch?", findings);
}

/**
 * How a write, delete or send can run without a person: the class default is allow, or a rule
 * allows it with no condition, and no unconditional block or approve rule holds it back.
 */
function riskyActionsCheck(wf: CompiledWorkflow): ReadinessCheck {
  const findings: [CheckStatus, string][] = [];
  for (const a of wf.actions.values()) {
    if (a.class === "READ") continue;
    const rules = rulesOf(wf, a);
    const unconditional = (effect: string) => rules.find((r) => r.effect === effect && !r.evaluate);
    const blocked = unconditional("block");
    if (blocked) {
      findings.push(["pass", `${a.id} (${a.class}) is always blocked (rule ${blocked.name})`]);
      continue;
    }
    const gated = unconditional("approve");
    const allowRule = unconditional("allow");
    const conditional = rules.filter((r) => r.evaluate).map((r) => `${r.effect} when ${r.when} (rule ${r.name})`);
    const when = conditional.length > 0 ? `; also ${conditional.join("; ")}` : "";
    if (gated) {
      findings.push(["pass", `${a.id} (${a.class}) always needs approval (rule ${gated.name})${when}`]);
    } else if (allowRule || wf.policy.defaults[a.class] === "allow") {
      const by = allowRule ? `rule ${allowRule.name}` : `the ${a.class} default`;
      const status: CheckStatus = a.class === "WRITE" ? "warn" : "fail";
      findings.push([status, `${a.id} (${a.class}) runs without a person: allowed by ${by}${when}`]);
    } else {
      const effect = wf.policy.defaults[a.class];
      findings.push([
        "pass",
        `${a.id} (${a.class}) ${effect === "block" ? "is blocked" : "needs approval"} by the ${a.class} default${when}`,
      ]);
    }
  }
  if (findings.length === 0) findings.push(["pass", "every action reads; nothing writes, deletes or sends"]);
  return check("risky-actions", "Who approves the risky actions?", findings);
}

function canNeedApproval(wf: CompiledWorkflow): boolean {
  for (const a of wf.actions.values()) {
    if (wf.policy.defaults[a.class] === "approve") return true;
    if (rulesOf(wf, a).some((r) => r.effect === "approve")) return true;
  }
  return false;
}

function approversCheck(wf: CompiledWorkflow, facts: WorkspaceFacts): ReadinessCheck {
  const question = "Can someone answer the approvals?";
  if (!canNeedApproval(wf))
    return check("approvers", question, [["pass", "no action of this workflow needs approval"]]);
  const groups = deciderGroupsOf(wf.approvals.approvers);
  const roles = groups.length === 0 ? ["admin", "approver"] : groups.map((g) => g.slice("role:".length));
  const keys = roles.reduce((n, role) => n + (facts.activeKeys[role as "admin" | "approver"] ?? 0), 0);
  const required = Math.max(
    wf.approvals.required,
    ...wf.policy.rules.map((r) => r.approvalsRequired ?? 0),
    ...Object.values(wf.policy.defaultApprovalsRequired).map((n) => n ?? 0),
  );
  const who = roles.join(" or ");
  const timeout = `an unanswered request ${wf.approvals.onTimeout === "deny" ? "is denied" : "is escalated"} after ${spoken(wf.approvals.timeoutMs)}`;
  if (keys === 0)
    return check("approvers", question, [
      ["fail", `no active ${who} key can decide, so approvals would only time out`],
    ]);
  if (keys < required)
    return check("approvers", question, [
      [
        "fail",
        `approvals need ${required} distinct deciders but the workspace has ${plural(keys, `active ${who} key`, `active ${who} keys`)}`,
      ],
    ]);
  return check("approvers", question, [
    [
      "pass",
      `${plural(keys, `active ${who} key`, `active ${who} keys`)} can decide (${required} needed per approval); ${timeout}`,
    ],
  ]);
}

function credentialsCheck(wf: CompiledWorkflow, facts: WorkspaceFacts): ReadinessCheck {
  const findings: [CheckStatus, string][] = [];
  for (const [system, c] of wf.connectors) {
    if (c.type === "mcp") {
      const server = c.url ?? [c.command, ...c.args].join(" ");
      findings.push(["pass", `${system}: MCP server ${server}; the agent's key is never sent on`]);
      continue;
    }
    const auth = c.auth;
    if (auth.type === "bearer") {
      if (facts.secrets.has(auth.secretRef))
        findings.push(["pass", `${system}: secret ${auth.secretRef} from the vault`]);
      else
        findings.push(["fail", `${system}: secret ${auth.secretRef} is not in the workspace's vault, so calls fail`]);
    } else if (auth.type === "oauth2") {
      const conn = facts.connections.get(auth.connection);
      if (!conn) findings.push(["fail", `${system}: OAuth connection ${auth.connection} does not exist`]);
      else if (conn.grants === 0)
        findings.push([
          "warn",
          `${system}: OAuth connection ${auth.connection} has no grant yet (nobody has connected)`,
        ]);
      else
        findings.push([
          "pass",
          `${system}: OAuth connection ${auth.connection} (${plural(conn.grants, "grant", "grants")})`,
        ]);
    } else {
      findings.push(["warn", `${system}: called with no credentials (auth: none)`]);
    }
  }
  findings.push(["pass", `calls act as: ${wf.manifest.actingAs ?? "service"}`]);
  return check("credentials", "Whose credentials does it use?", findings);
}

function limitsCheck(wf: CompiledWorkflow, facts: WorkspaceFacts): ReadinessCheck {
  const b = wf.budgets;
  const usesModels = (wf.manifest.data?.modelProviders?.length ?? 0) > 0 || facts.modelProviders > 0;
  const findings: [CheckStatus, string][] = [];
  const bound = (value: unknown, what: string, missing: string) =>
    findings.push(value === undefined ? ["warn", missing] : ["pass", `${what}: ${value}`]);
  bound(b.toolCalls, "tool calls per run", "no tool-call budget: a run may call tools without limit");
  bound(
    b.maxRepeats,
    "the same call repeated at most",
    "no loop guard (budgets.maxRepeats): a looping agent is stopped only by other budgets",
  );
  bound(
    b.wallClockMs === undefined ? undefined : spoken(b.wallClockMs),
    "wall clock per run",
    "no wall-clock budget: a run may stay open indefinitely",
  );
  if (usesModels) {
    bound(b.modelCalls, "model calls per run", "no model-call budget though the workflow may call models");
    bound(
      b.costUsd,
      "model cost per run (USD)",
      "no cost budget (budgets.costUsd) though the workflow may call models",
    );
  }
  const unlimited = [...wf.connectors.keys()].filter(
    (system) =>
      !wf.rateLimits.has(system) && [...wf.actions.values()].some((a) => a.system === system && a.class !== "READ"),
  );
  if (unlimited.length > 0)
    findings.push(["warn", `no rate limit for ${unlimited.join(", ")}, which the workflow can change or send through`]);
  return check("limits", "What stops it from looping or overspending?", findings);
}

function dataCheck(wf: CompiledWorkflow, facts: WorkspaceFacts): ReadinessCheck {
  const data = wf.manifest.data;
  const findings: [CheckStatus, string][] = [];
  // secrets and the workspace's own secret values are always redacted (server data/redaction.ts)
  const kinds = ["secrets", ...wf.redact.filter((k) => k !== "secrets")];
  findings.push([
    "pass",
    `redacted before any store, log, export or provider: ${kinds.join(", ")}, and the workspace's secret values`,
  ]);
  const personal =
    wf.redact.some((k) => k === "pii" || k.startsWith("pii.")) || Object.keys(data?.fields ?? {}).length > 0;
  if (!personal)
    findings.push([
      "warn",
      "no personal-data redaction (no pii kind in data.redact, no data.fields): personal data in arguments and results is stored as it is",
    ]);
  const flows = data?.modelProviders ?? [];
  for (const f of flows) findings.push(["pass", `to ${f.provider}: ${f.sends.join(", ")} (${f.purpose})`]);
  if (flows.length === 0 && facts.modelProviders > 0)
    findings.push([
      "warn",
      "the workspace has model providers but the workflow declares no data flows (data.modelProviders)",
    ]);
  if (flows.length === 0 && facts.modelProviders === 0) findings.push(["pass", "no model provider is configured"]);
  const r = data?.retention;
  findings.push([
    "pass",
    r
      ? `kept: runs ${r.runs ?? "workspace default"}, payloads ${r.payloads ?? "workspace default"}, audit ${r.audit ?? "workspace default"}`
      : "kept for the workspace's retention windows (no data.retention in the manifest)",
  ]);
  return check("data", "What data goes to the model vendor, and how long is it kept?", findings);
}

function auditChainCheck(facts: RecordFacts): ReadinessCheck {
  const a = facts.audit;
  return check("audit-chain", "Is the record of what it did intact?", [
    a.ok
      ? ["pass", `${plural(a.checked, "audit event", "audit events")} verified against the hash chain`]
      : ["fail", `the hash chain breaks at event ${a.firstBadSeq ?? "?"}${a.problem ? `: ${a.problem}` : ""}`],
  ]);
}

function auditExportCheck(facts: RecordFacts): ReadinessCheck {
  if (facts.sinks.length === 0)
    return check("audit-export", "Does the record reach our SIEM?", [
      ["warn", "no audit sink: events are exported only on request (tollgate audit export)"],
    ]);
  return check(
    "audit-export",
    "Does the record reach our SIEM?",
    facts.sinks.map((s) =>
      s.failures > 0
        ? ["warn", `sink ${s.name} is failing (${s.failures} failures; last: ${s.lastError ?? "unknown"})`]
        : ["pass", `sink ${s.name} delivers`],
    ),
  );
}

function notificationsCheck(facts: RecordFacts): ReadinessCheck {
  return check("approval-notifications", "Do approvers hear of requests?", [
    facts.notificationChannels === 0
      ? ["warn", "no notification channel: approvers see requests only in the inbox, the CLI and the API"]
      : ["pass", plural(facts.notificationChannels, "notification channel", "notification channels")],
  ]);
}
