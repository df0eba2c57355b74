import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tollgate } from "./run-cli.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, problemOf, startHarness, type Workspace, keyOf } from "../../server/test/harness.js";
import { type HttpReceiver, startHttpReceiver } from "../../server/test/receivers/http.js";

describe("tollgate audit", () => {
  let h: Harness;
  let ws: Workspace;
  let receiver: HttpReceiver;
  const dir = mkdtempSync(join(tmpdir(), "tollgate-cli-audit-"));

  beforeAll(async () => {
    h = await startHarness({ tuning: { auditDelivery: { intervalMs: 0 } } });
    ws = await h.workspace("cliaudit", "auditws");
    receiver = await startHttpReceiver();
    const r = await ws.agent.startRun({ workspace: "auditws", workflow: "support-triage" });
    await ws.agent.callTool(r.id, "helpdesk.get_ticket", { id: "T-1001" });
    await ws.agent.callTool(r.id, "chat.post_message", { channel: "#support-ops", text: "looking" });
    const pending = await ws.agent.callTool(r.id, "tracker.create_issue", {
      project: "SUP",
      title: "Mail jane@example.com",
    });
    await ws.approver.decide(pending.approvalId!, "approve", "fine");
    await ws.agent.waitForToolCall(pending.id, 10);
    await problemOf(ws.agent.callTool(r.id, "tracker.delete_issue", { id: "SUP-1" }));
    await ws.agent.finishRun(r.id, "succeeded");
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it("exports to a file and verifies it offline, naming the first tampered row", async () => {
    const env = { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.auditor) };
    const file = join(dir, "audit.ndjson");
    const keyFile = join(dir, "audit.pub");
    const exported = await tollgate(["audit", "export", "--workspace", "auditws", "--out", file], env);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/\d+ events, \d+ signed checkpoints written to/);
    expect((await tollgate(["audit", "public-key", "--workspace", "auditws", "--out", keyFile], env)).code).toBe(0);

    // offline: no server to ask
    const offline = { TOLLGATE_URL: "http://127.0.0.1:9", TOLLGATE_KEY: "none" };
    const ok = await tollgate(["audit", "verify", file, "--public-key", keyFile], offline);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/intact: \d+ rows \(\d+ events\) checked, \d+ signed checkpoints valid/);

    const lines = readFileSync(file, "utf8").trim().split("\n");
    const i = lines.findIndex((l) => l.includes('"type":"tool_call.decided"'));
    const row = JSON.parse(lines[i]!);
    lines[i] = JSON.stringify({ ...row, data: { ...row.data, reason: "nothing to see" } });
    writeFileSync(join(dir, "changed.ndjson"), `${lines.join("\n")}\n`);
    const bad = await tollgate(
      ["audit", "verify", join(dir, "changed.ndjson"), "--public-key", keyFile, "--json"],
      offline,
    );
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, firstBadSeq: row.seq, line: i + 1 });

    const server = await tollgate(["audit", "verify", "--workspace", "auditws"], env);
    expect(server.stdout).toMatch(/intact: \d+ events checked/);
  });

  it("sets, lists, tests and removes a sink", async () => {
    const env = { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.admin) };
    await ws.admin.putSecret("auditws", "hook-key", "k-123456");
    const set = await tollgate(
      [
        "audit",
        "sinks",
        "set",
        "hook",
        "--workspace",
        "auditws",
        "--kind",
        "webhook",
        "--endpoint",
        `${receiver.url}/in`,
        "--secret-ref",
        "hook-key",
        "--format",
        "ocsf",
      ],
      env,
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`sink hook (webhook/ocsf) → ${receiver.url}`);
    const tested = await tollgate(["audit", "sinks", "test", "hook", "--workspace", "auditws"], env);
    expect(tested.code).toBe(0);
    expect(receiver.received.at(-1)!.body).toContain("audit_sink.test");
    await h.server.tollgate.services.auditExport.delivery.runOnce();
    const list = await tollgate(["audit", "sinks", "list", "--workspace", "auditws"], env);
    expect(list.stdout).toContain("webhook/ocsf");
    const json = JSON.parse((await tollgate(["audit", "sinks", "--workspace", "auditws", "--json"], env)).stdout);
    expect(json[0]).toMatchObject({ name: "hook", failures: 0, delivered: expect.any(Number) });
    expect(json[0].delivered).toBeGreaterThan(0);
    const missing = await tollgate(["audit", "sinks", "set", "x", "--workspace", "auditws", "--kind", "syslog"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("--host and --port");
    expect((await tollgate(["audit", "sinks", "remove", "hook", "--workspace", "auditws"], env)).stdout).toContain(
      "removed",
    );
  });

  it("shows the run's timeline with times, rules, approver, waiting time and redactions", async () => {
    const runs = await ws.auditor.listRuns("auditws");
    const id = runs.items[0]!.id;
    const show = await tollgate(["runs", "show", id], { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.auditor) });
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/\d\d:\d\d:\d\d\.\d{3}\s+\+\d+\.\d{3}s/);
    expect(show.stdout).toContain("rule internal-support-channel-is-automatic");
    expect(show.stdout).toContain('approved it via api: "fine"');
    expect(show.stdout).toMatch(/redacted pii\.email/);
    const json = JSON.parse(
      (await tollgate(["runs", "show", id, "--json"], { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.auditor) })).stdout,
    );
    expect(json.entries.length).toBeGreaterThan(3);
  });
});
