import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { variantWorkflow } from "./approvals-support.js";
import { type Harness, operatorKey, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;

beforeAll(async () => {
  h = await startHarness();
  ws = await h.workspace("initech", "ops");
});
afterAll(async () => h.close());

const startRun = () => ws.agent.startRun({ workspace: "ops", workflow: "support-triage" });

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("audit log", () => {
  it("pages events by cursor, as JSON and as NDJSON", async () => {
    const run = await startRun();
    await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    const first = await ws.auditor.auditEvents("ops", undefined, 3);
    expect(first.items).toHaveLength(3);
    expect(first.next).toBe(first.items[2]!.cursor);
    const second = await ws.auditor.auditEvents("ops", first.next!, 3);
    expect(second.items[0]!.seq).toBeGreaterThan(first.items[2]!.seq);
    const nd = await ws.auditor.request<string>("GET", "/v1/audit/events?workspace=ops&limit=5", undefined, {
      accept: "application/x-ndjson",
    });
    expect(nd.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = nd.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("records decision, rule and outcome of every call, and the run reads as a timeline", async () => {
    const run = await startRun();
    await ws.agent.callTool(run.id, "chat.post_message", { channel: "#support-ops", text: "hi" });
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "Timeline" });
    await ws.approver.decide(pending.approvalId!, "approve", "ship it");
    await ws.agent.waitForToolCall(pending.id, 10);
    await problemOf(ws.agent.callTool(run.id, "tracker.delete_issue", { id: "SUP-1" }));
    await ws.agent.finishRun(run.id, "succeeded");
    const t = await ws.auditor.timeline(run.id);
    const types = t.entries.map((e) => e.type);
    expect(types).toEqual([
      "run.started",
      "tool_call.decided",
      "tool_call.completed",
      "tool_call.decided",
      "approval.requested",
      "approval.decided",
      "tool_call.completed",
      "tool_call.decided",
      "run.finished",
    ]);
    const text = t.entries.map((e) => e.summary).join("\n");
    expect(text).toContain("internal-support-channel-is-automatic");
    expect(text).toContain('approver-initech (approver) approved it via api: "ship it"');
    expect(text).toContain("blocked, default for DELETE is block");
  });

  it("verify finds the first tampered row", async () => {
    const run = await startRun();
    await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1002" });
    expect(await ws.auditor.verifyAudit("ops")).toMatchObject({ ok: true });
    const store = h.server.tollgate.services.store;
    const victim = (await store.scope("initech").audit.list({ limit: 5 }))[3]!;
    await store.db
      .updateTable("audit_events")
      .set({ data: '{"tool":"nothing to see"}' })
      .where("tenant_id", "=", "initech")
      .where("seq", "=", victim.seq)
      .execute();
    expect(await ws.auditor.verifyAudit("ops")).toMatchObject({ ok: false, firstBadSeq: victim.seq });
    await store.db
      .updateTable("audit_events")
      .set({ data: JSON.stringify(victim.data) })
      .where("tenant_id", "=", "initech")
      .where("seq", "=", victim.seq)
      .execute();
    expect(await ws.auditor.verifyAudit("ops")).toMatchObject({ ok: true });
  });

  it("fails closed: when the audit record cannot be written, the call does not run", async () => {
    const run = await startRun();
    const store = h.server.tollgate.services.store;
    await store.db.schema.alterTable("audit_events").renameTo("audit_events_away").execute();
    try {
      const p = await problemOf(
        ws.agent.callTool(run.id, "chat.post_message", { channel: "#support-x", text: "must not be sent" }),
      );
      expect(p).toMatchObject({ status: 503, code: "audit_unavailable" });
    } finally {
      await store.db.schema.alterTable("audit_events_away").renameTo("audit_events").execute();
    }
    expect(
      h.systems.requests({ system: "chat" }).filter((r) => JSON.stringify(r.body).includes("must not be sent")),
    ).toHaveLength(0);
    expect((await ws.agent.getRun(run.id)).usage.toolCalls).toBe(0);
  });
});

describe("secrets", () => {
  it("keeps a secret in arguments and results out of the store and the audit export", async () => {
    const canary = `ghp_${"Zq9".repeat(12)}`;
    const awsKey = "AKIA" + "QWERTYUIOPASDFGH";
    const run = await startRun();
    await ws.agent.callTool(run.id, "chat.post_message", {
      channel: "#support-sec",
      text: `the token is ${canary} and ${awsKey}`,
    });
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", {
      project: "SUP",
      title: "Leaked",
      body: `password=${canary}`,
    });
    await ws.approver.decide(pending.approvalId!, "approve");
    await ws.agent.waitForToolCall(pending.id, 10);
    // the upstream got the real values (it needs them); Tollgate keeps none of them
    expect(JSON.stringify(h.systems.requests({ system: "chat" }))).toContain(canary);

    const exported: string[] = [];
    for await (const e of ws.auditor.allAuditEvents("ops")) exported.push(JSON.stringify(e));
    const exportText = exported.join("\n");
    expect(exportText).toContain("[REDACTED");
    expect(exportText).not.toContain(canary);
    expect(exportText).not.toContain(awsKey);

    await h.server.tollgate.services.store.db.destroy().catch(() => {});
    await h.restart();
    for (const file of filesUnder(h.dataDir)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(canary), `${file} holds the canary`).toBe(false);
      expect(bytes.includes(awsKey), `${file} holds the AWS key`).toBe(false);
      expect(bytes.includes(h.systems.tokens.chat), `${file} holds a connector token in plain text`).toBe(false);
    }
    const timeline = JSON.stringify(await ws.auditor.timeline(run.id));
    expect(timeline).not.toContain(canary);
  });
});

describe("crash safety", () => {
  it("marks a call found executing at start-up outcome_unknown and never re-runs it", async () => {
    const run = await startRun();
    const store = h.server.tollgate.services.store;
    const call = await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" });
    await store.scope("initech").toolCalls.update(call.id, { status: "executing" });
    const before = h.systems.count("helpdesk");
    await h.restart();
    const after = await ws.agent.getToolCall(call.id);
    expect(after).toMatchObject({ status: "outcome_unknown", error: { code: "outcome_unknown" } });
    expect(h.systems.count("helpdesk")).toBe(before);
    const t = await ws.auditor.timeline(run.id);
    expect(t.entries.at(-1)).toMatchObject({ type: "tool_call.outcome_unknown" });
  });

  it("executes a call approved before a restart exactly once, after it", async () => {
    const run = await startRun();
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", {
      project: "SUP",
      title: "Across restart",
    });
    await h.restart();
    await ws.approver.decide(pending.approvalId!, "approve");
    const done = await ws.agent.waitForToolCall(pending.id, 10);
    expect(done.status).toBe("succeeded");
    expect(
      h.systems
        .requests({ system: "tracker", method: "POST" })
        .filter((r) => JSON.stringify(r.body).includes("Across restart")),
    ).toHaveLength(1);
  });

  it("keeps a two-approver approval's first decision across a restart and runs the call once after the second", async () => {
    const twoPerson = variantWorkflow(h.systems.url, "two-person", "{ timeout: 1h }", [
      "- { name: two-for-issues, match: tracker.create_issue, effect: approve, approvals: { required: 2 } }",
    ]);
    await ws.admin.putWorkflow("ops", "two-person", twoPerson);
    const run = await ws.agent.startRun({ workspace: "ops", workflow: "two-person" });
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "Two across" });
    await ws.approver.decide(pending.approvalId!, "approve", "first");
    await h.restart();
    const second = ws.approver.withKey((await ws.admin.createKey("ops", "second-after-restart", "approver")).key);
    expect(await second.decide(pending.approvalId!, "approve", "second")).toMatchObject({ status: "approved" });
    expect((await ws.agent.waitForToolCall(pending.id, 10)).status).toBe("succeeded");
    await h.restart();
    expect(
      h.systems
        .requests({ system: "tracker", method: "POST" })
        .filter((r) => JSON.stringify(r.body).includes("Two across")),
    ).toHaveLength(1);
    expect((await ws.auditor.getApproval(pending.approvalId!)).decisions.map((d) => d.reason)).toEqual([
      "first",
      "second",
    ]);
  });
});

describe("bad input", () => {
  it("answers problem+json with a clear code for malformed bodies before any work", async () => {
    const run = await startRun();
    const raw = (body: string, type = "application/json") =>
      fetch(`${h.url}/v1/runs/${run.id}/tool-calls`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${(ws.agent as unknown as { opts: { key: string } }).opts.key}`,
          "content-type": type,
        },
        body,
      });
    const notJson = await raw("{nope");
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get("content-type")).toContain("application/problem+json");
    expect((await notJson.json()).code).toBe("invalid_request");

    const nul = await raw(JSON.stringify({ tool: "helpdesk.get_ticket", args: { id: "T-1001\u0000" } }));
    expect(nul.status).toBe(400);
    expect((await nul.json()).detail).toContain("NUL");

    let deep: unknown = "x";
    for (let i = 0; i < 100; i++) deep = { d: deep };
    const tooDeep = await raw(JSON.stringify({ tool: "helpdesk.get_ticket", args: { id: deep } }));
    expect(tooDeep.status).toBe(400);

    const huge = await raw(
      JSON.stringify({
        tool: "tracker.create_issue",
        args: { project: "SUP", title: "x", body: "a".repeat(2 * 1024 * 1024) },
      }),
    );
    expect(huge.status).toBe(413);
    expect((await huge.json()).code).toBe("payload_too_large");

    const wrongType = await raw(JSON.stringify({ tool: 42, args: [] }));
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["body.tool", "body.args"]),
    );

    const unknownField = await raw(
      JSON.stringify({ tool: "helpdesk.get_ticket", args: { id: "T-1001" }, sneaky: true }),
    );
    expect(unknownField.status).toBe(400);
    expect((await ws.agent.getRun(run.id)).usage.toolCalls).toBe(0);
  });

  it("rejects a malformed manifest whole, with path and line, and keeps the last good version", async () => {
    const good = await ws.admin.getWorkflow("ops", "support-triage");
    const broken = workflowYaml(h.systems.url).replace("class: DELETE", "class: DESTROY");
    const p = await problemOf(ws.admin.putWorkflow("ops", "support-triage", broken));
    expect(p).toMatchObject({ status: 422, code: "invalid_manifest" });
    const errors = p.errors as { path: string; line?: number }[];
    expect(errors[0]!.path).toBe("systems.tracker.actions.delete_issue.class");
    const line = broken.split("\n").findIndex((l) => l.includes("DESTROY")) + 1;
    expect(errors[0]!.line).toBe(line);
    expect((await ws.admin.getWorkflow("ops", "support-triage")).version).toBe(good.version);
  });

  it("answers 401 without a key and names the problem", async () => {
    const res = await fetch(`${h.url}/v1/runs/run_x`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(await res.json()).toMatchObject({ code: "unauthorized", status: 401 });
  });
});

describe("operator bootstrap", () => {
  it("uses TOLLGATE_ADMIN_KEY on first start and refuses a different one later", async () => {
    expect((await h.operator.health()).status).toBe("ok");
    const { startServer } = await import("../src/index.js");
    await expect(
      startServer({
        port: 0,
        dataDir: h.dataDir,
        env: { TOLLGATE_ADMIN_KEY: `${operatorKey}-other`, TOLLGATE_MASTER_KEY: "a".repeat(64) },
      }),
    ).rejects.toThrow(/does not match/);
  });
});
