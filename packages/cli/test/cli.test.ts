import { mkdtempSync, writeFileSync } from "node:fs";
import { tollgate } from "./run-cli.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { workflowPath, workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, type Workspace } from "../../server/test/harness.js";

describe("tollgate offline commands", () => {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-cli-"));

  it("validate prints the version of a good manifest", async () => {
    const r = await tollgate(["validate", workflowPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid.*support-triage sha256:[0-9a-f]{64}/);
  });

  it("validate names the path and line of each error and exits non-zero", async () => {
    const file = join(dir, "bad.yaml");
    const text = workflowYaml("http://127.0.0.1:4010").replace("class: EXTERNAL_SEND", "class: SHOUT");
    writeFileSync(file, text);
    const r = await tollgate(["validate", file]);
    expect(r.code).toBe(1);
    const line = text.split("\n").findIndex((l) => l.includes("SHOUT")) + 1;
    expect(r.stdout).toContain(`${file}:${line}: systems.chat.actions.post_message.class`);
  });

  it("simulate decides offline from a file", async () => {
    const r = await tollgate([
      "simulate",
      "--file",
      workflowPath,
      "--tool",
      "tracker.create_issue",
      "--args",
      '{"project":"SEC","title":"x"}',
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: "block", rules: ["never-touch-security-project"] });
  });
});

describe("tollgate against a server", () => {
  let h: Harness;
  let ws: Workspace;
  const keyOf = (c: Workspace["agent"]) => (c as unknown as { opts: { key: string } }).opts.key;

  beforeAll(async () => {
    h = await startHarness();
    ws = await h.workspace("clico", "cliws");
  });
  afterAll(async () => h.close());

  it("lists and approves a pending call, shows the run as a timeline, verifies the audit log", async () => {
    const r0 = await ws.agent.startRun({ workspace: "cliws", workflow: "support-triage" });
    const pending = await ws.agent.callTool(r0.id, "tracker.create_issue", {
      project: "SUP",
      title: "From the CLI test",
    });
    const env = { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.approver) };

    const list = await tollgate(["approvals", "list", "--workspace", "cliws"], env);
    expect(list.stdout).toContain(pending.approvalId!);
    expect(list.stdout).toContain("tracker.create_issue");

    const approve = await tollgate(["approvals", "approve", pending.approvalId!, "--reason", "ok from terminal"], env);
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain("approved");
    await ws.agent.waitForToolCall(pending.id, 10);

    const show = await tollgate(["runs", "show", r0.id], { ...env, TOLLGATE_KEY: keyOf(ws.auditor) });
    expect(show.stdout).toContain(`Run ${r0.id}`);
    expect(show.stdout).toContain('approved it via cli: "ok from terminal"');
    expect(show.stdout).toContain("tracker.create_issue ran and succeeded");

    const verify = await tollgate(["audit", "verify", "--workspace", "cliws"], {
      ...env,
      TOLLGATE_KEY: keyOf(ws.auditor),
    });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/intact: \d+ events checked/);
  });

  it("shows an approval with each decision, and suggests policy from the record", async () => {
    const r0 = await ws.agent.startRun({ workspace: "cliws", workflow: "support-triage" });
    const pending = await ws.agent.callTool(r0.id, "tracker.create_issue", { project: "SUP", title: "Show me" });
    await ws.approver.decide(pending.approvalId!, "approve", "seen it");
    await ws.agent.waitForToolCall(pending.id, 10);
    const env = { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.auditor) };
    const show = await tollgate(["approvals", "show", pending.approvalId!], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`Approval ${pending.approvalId}`);
    expect(show.stdout).toContain("1 of 1 approvals");
    expect(show.stdout).toContain("seen it");
    const suggest = await tollgate(["policy", "suggest", "--workspace", "cliws", "--min-approvals", "2"], env);
    expect(suggest.code).toBe(0);
    expect(suggest.stdout).toContain("tracker.create_issue");
    expect(suggest.stdout).toContain("paste under policy.rules:");
    expect(suggest.stdout).toContain('when: args.project == "SUP"');
  });

  it("prints the API's error code and detail, and exits 1", async () => {
    const r = await tollgate(["approvals", "list", "--workspace", "cliws"], {
      TOLLGATE_URL: h.url,
      TOLLGATE_KEY: keyOf(ws.agent),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("forbidden");
  });
});
