import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workflowYaml } from "@tollgate/example-support-triage";
import { type Harness, startHarness, type Workspace, keyOf } from "../../server/test/harness.js";
import { tollgate } from "./run-cli.js";

describe("tollgate readiness", () => {
  let h: Harness;
  let ws: Workspace;

  beforeAll(async () => {
    h = await startHarness();
    ws = await h.workspace("clireadiness", "readyws");
  });
  afterAll(async () => h.close());

  it("prints each question with its status and findings, and exits 0 when nothing fails", async () => {
    const r = await tollgate(["readiness", "--workspace", "readyws"], {
      TOLLGATE_URL: h.url,
      TOLLGATE_KEY: keyOf(ws.auditor),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Readiness of workspace readyws: ! warn/);
    expect(r.stdout).toContain("workflow support-triage");
    expect(r.stdout).toContain("✓ pass  Who approves the risky actions? (risky-actions)");
    expect(r.stdout).toContain("! warn  What stops it from looping or overspending? (limits)");
    expect(r.stdout).toContain("no rate limit for helpdesk, which the workflow can change or send through");
    expect(r.stdout).toContain("✓ pass  Is the record of what it did intact? (audit-chain)");
  });

  it("exits 2 when a check fails, and gives the report as JSON with --json", async () => {
    const yaml = workflowYaml(h.systems.url)
      .replace("name: support-triage", "name: intake")
      .replace("secretRef: tracker-token", "secretRef: missing-token");
    await ws.admin.putWorkflow("readyws", "intake", yaml);
    const env = { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.auditor) };
    const text = await tollgate(["readiness", "--workspace", "readyws", "--workflow", "intake"], env);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain("✗ fail  Whose credentials does it use? (credentials)");
    expect(text.stdout).toContain("tracker: secret missing-token is not in the workspace's vault, so calls fail");
    const json = await tollgate(["--json", "readiness", "--workspace", "readyws", "--workflow", "intake"], env);
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({
      workspace: "readyws",
      status: "fail",
      workflows: [{ workflow: "intake", status: "fail" }],
    });
  });

  it("names a workflow it cannot find", async () => {
    const r = await tollgate(["readiness", "--workspace", "readyws", "--workflow", "nope"], {
      TOLLGATE_URL: h.url,
      TOLLGATE_KEY: keyOf(ws.auditor),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("not_found: no workflow nope in workspace readyws\n");
  });
});
