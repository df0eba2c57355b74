import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../manifest/compile.js";
import { loadManifest } from "../manifest/parse.js";
import { assessRecord, assessWorkflow, type WorkspaceFacts } from "./assess.js";

const example = readFileSync(new URL("../manifest/fixtures/support-triage.yaml", import.meta.url), "utf8");

function compiled(yaml: string) {
  const { manifest, version } = loadManifest(yaml);
  return compileWorkflow(manifest, version);
}

const ready: WorkspaceFacts = {
  secrets: new Set(["helpdesk-token"]),
  connections: new Map([["chat", { grants: 1 }]]),
  activeKeys: { admin: 1, approver: 1 },
  modelProviders: 1,
};

function checkOf(report: ReturnType<typeof assessWorkflow>, id: string) {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

describe("assessWorkflow", () => {
  it("finds the example workflow ready when its workspace holds what it needs, but for one rate limit", () => {
    const r = assessWorkflow(compiled(example), ready);
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ["boundary", "pass"],
      ["risky-actions", "pass"],
      ["approvers", "pass"],
      ["credentials", "pass"],
      ["limits", "warn"],
      ["data", "pass"],
    ]);
    expect(r.status).toBe("warn");
    expect(checkOf(r, "limits").findings).toContain(
      "no rate limit for helpdesk, which the workflow can change or send through",
    );
    expect(checkOf(r, "approvers").findings).toEqual([
      "1 active approver key can decide (1 needed per approval); an unanswered request is denied after 4h",
    ]);
    expect(checkOf(r, "limits").findings).toContain("wall clock per run: 15m");
    expect(checkOf(r, "data").findings[0]).toBe(
      "redacted before any store, log, export or provider: secrets, pii.email, pii.card, and the workspace's secret values",
    );
    expect(checkOf(r, "risky-actions").findings).toContain(
      'chat.post_message (EXTERNAL_SEND) needs approval by the EXTERNAL_SEND default; also allow when args.channel.startsWith("#support-") (rule internal-support-channel-is-automatic)',
    );
  });

  it("fails a delete or send that runs without a person, and warns of such a write", () => {
    const yaml = example.replace(
      "defaults: { READ: allow, WRITE: approve, DELETE: block, EXTERNAL_SEND: approve }",
      "defaults: { READ: allow, WRITE: allow, DELETE: allow, EXTERNAL_SEND: approve }",
    );
    const c = checkOf(assessWorkflow(compiled(yaml), ready), "risky-actions");
    expect(c.status).toBe("fail");
    expect(c.findings).toContain(
      'tracker.delete_issue (DELETE) runs without a person: allowed by the DELETE default; also block when has(args.project) && args.project == "SEC" (rule never-touch-security-project)',
    );
    expect(c.findings).toContain("helpdesk.close_ticket (WRITE) runs without a person: allowed by the WRITE default");
  });

  it("sees an unconditional rule: allow loosens, block holds", () => {
    const yaml = example.replace(
      "  rules:\n",
      "  rules:\n    - { name: send-freely, match: chat.post_message, effect: allow }\n    - { name: no-deletes, match: tracker.delete_issue, effect: block }\n",
    );
    const c = checkOf(assessWorkflow(compiled(yaml), ready), "risky-actions");
    expect(c.status).toBe("fail");
    expect(c.findings.find((f) => f.startsWith("chat.post_message"))).toMatch(/allowed by rule send-freely/);
    expect(c.findings).toContain("tracker.delete_issue (DELETE) is always blocked (rule no-deletes)");
  });

  it("fails approvals nobody can answer, or that need more deciders than there are", () => {
    const none = assessWorkflow(compiled(example), { ...ready, activeKeys: { admin: 3, approver: 0 } });
    expect(checkOf(none, "approvers")).toMatchObject({
      status: "fail",
      findings: ["no active approver key can decide, so approvals would only time out"],
    });
    const two = example.replace("approvers: [role:approver] }", "approvers: [role:approver], required: 2 }");
    const short = assessWorkflow(compiled(two), ready);
    expect(checkOf(short, "approvers").findings).toEqual([
      "approvals need 2 distinct deciders but the workspace has 1 active approver key",
    ]);
  });

  it("fails a credential the vault does not hold, and warns of a connection nobody connected", () => {
    const r = assessWorkflow(compiled(example), {
      ...ready,
      secrets: new Set(),
      connections: new Map([["chat", { grants: 0 }]]),
    });
    const c = checkOf(r, "credentials");
    expect(c.status).toBe("fail");
    expect(c.findings).toContain("helpdesk: secret helpdesk-token is not in the workspace's vault, so calls fail");
    expect(c.findings).toContain("chat: OAuth connection chat has no grant yet (nobody has connected)");
    const missing = assessWorkflow(compiled(example), { ...ready, connections: new Map() });
    expect(checkOf(missing, "credentials").findings).toContain("chat: OAuth connection chat does not exist");
  });

  it("warns of missing budgets and redaction, and of model providers the workflow does not declare", () => {
    const bare = example.replace(/^budgets:.*$/m, "").replace(/^data:[\s\S]*$/m, "");
    const r = assessWorkflow(compiled(bare), ready);
    expect(checkOf(r, "limits").findings).toEqual(
      expect.arrayContaining([
        "no tool-call budget: a run may call tools without limit",
        "no loop guard (budgets.maxRepeats): a looping agent is stopped only by other budgets",
        "no cost budget (budgets.costUsd) though the workflow may call models",
      ]),
    );
    expect(checkOf(r, "data")).toMatchObject({ status: "warn" });
    expect(checkOf(r, "data").findings).toContain(
      "no personal-data redaction (no pii kind in data.redact, no data.fields): personal data in arguments and results is stored as it is",
    );
    expect(checkOf(r, "data").findings).toContain(
      "the workspace has model providers but the workflow declares no data flows (data.modelProviders)",
    );
  });
});

describe("assessRecord", () => {
  it("fails a broken chain and warns when nothing exports the record or tells approvers", () => {
    const checks = assessRecord({
      audit: { ok: false, checked: 4, firstBadSeq: 3, problem: "hash mismatch" },
      sinks: [],
      notificationChannels: 0,
    });
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ["audit-chain", "fail"],
      ["audit-export", "warn"],
      ["approval-notifications", "warn"],
    ]);
    expect(checks[0]?.findings).toEqual(["the hash chain breaks at event 3: hash mismatch"]);
  });

  it("passes an intact chain with a delivering sink, and names a failing one", () => {
    const checks = assessRecord({
      audit: { ok: true, checked: 12 },
      sinks: [
        { name: "siem", failures: 0, lastError: null },
        { name: "backup", failures: 2, lastError: "connection refused" },
      ],
      notificationChannels: 1,
    });
    expect(checks.map((c) => c.status)).toEqual(["pass", "warn", "pass"]);
    expect(checks[1]?.findings).toEqual([
      "sink siem delivers",
      "sink backup is failing (2 failures; last: connection refused)",
    ]);
  });
});
