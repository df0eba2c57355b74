import type { ApprovalDecision, ApprovalDetail, PolicySuggestionsResult } from "@tollgate/sdk";
import pc from "picocolors";
import { table } from "../output.js";

export function decisionLine(d: ApprovalDecision): string {
  const status =
    d.status === "approved" ? pc.green(d.status) : d.status === "denied" ? pc.red(d.status) : pc.yellow(d.status);
  const left =
    d.status === "pending" ? ` (${d.approvals.count} of ${d.approvals.required}; needs another approver)` : "";
  return `${d.id} ${status} by ${d.decidedBy}${left}`;
}

/** One approval as an approver reads it in a terminal. */
export function renderApproval(a: ApprovalDetail): string {
  const lines = [
    `${pc.bold(`Approval ${a.id}`)}  ${statusOf(a.status)}  ${a.approvals.count} of ${a.approvals.required} approvals`,
    `tool       ${a.tool} (${a.class})`,
    `run        ${a.runId}${a.run ? `  ${a.run.workflow}  agent ${a.run.agent ?? "-"}` : ""}`,
    `why        ${a.reason ?? ""}${a.rules.length ? `  (rules: ${a.rules.join(", ")})` : ""}`,
    `requested  ${a.requestedAt}   expires ${a.expiresAt}${a.escalatedAt ? `   escalated ${a.escalatedAt} to ${(a.escalateTo ?? []).join(", ")}` : ""}`,
    `approvers  ${a.approvers.join(", ")}`,
    "arguments (as stored, redacted):",
    ...JSON.stringify(a.args ?? null, null, 2)
      .split("\n")
      .map((l) => `  ${l}`),
  ];
  if (a.call?.status && a.call.status !== "pending_approval") lines.push(`call       ${a.call.status}`);
  if (a.decisions.length > 0) {
    lines.push(
      "",
      table(
        ["when", "who", "decision", "channel", "reason"],
        a.decisions.map((d) => [d.decidedAt, `${d.name} (${d.role})`, d.decision, d.channel, d.reason]),
      ),
    );
  }
  return lines.join("\n");
}

/** `tollgate policy suggest`: the evidence per action and the YAML to paste. */
export function renderSuggestions(s: PolicySuggestionsResult): string {
  if (s.actions.length === 0) return `no calls in ${s.workspace} have needed approval yet`;
  const out: string[] = [];
  for (const a of s.actions) {
    const who = a.approvers.map((p) => `${p.name} ${p.approved}✓${p.denied ? ` ${p.denied}✗` : ""}`).join(", ");
    const wait = a.waitSeconds ? `waited p50 ${a.waitSeconds.p50}s, max ${a.waitSeconds.max}s` : "no decisions yet";
    out.push(
      `${pc.bold(a.tool)} (${a.class}, workflow ${a.workflow}): ${a.requests} asked, ${pc.green(`${a.approved} approved`)}, ${
        a.denied ? pc.red(`${a.denied} denied`) : "0 denied"
      }${a.expired ? `, ${a.expired} expired` : ""}; ${wait}`,
    );
    if (who) out.push(`  by ${who}`);
    out.push(`  ${a.suggestion ? pc.green(a.verdict) : pc.dim(a.verdict)}`);
    if (a.suggestion) {
      out.push("  paste under policy.rules:");
      for (const l of a.suggestion.yaml.trimEnd().split("\n")) out.push(`    ${l}`);
    }
    out.push("");
  }
  return out.join("\n").trimEnd();
}

function statusOf(s: string): string {
  return s === "approved" ? pc.green(s) : s === "pending" ? pc.yellow(s) : pc.red(s);
}
