import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workflowYaml } from "@tollgate/example-support-triage";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

let h: Harness;
let ws: Workspace;

beforeAll(async () => {
  h = await startHarness();
  ws = await h.workspace("acme", "support");
});
afterAll(async () => h.close());

const statusOf = (checks: { id: string; status: string }[]) => Object.fromEntries(checks.map((c) => [c.id, c.status]));

describe("the readiness report", () => {
  it("answers the security review's questions for each workflow and the record", async () => {
    const r = await ws.auditor.readiness("support");
    expect(r.workspace).toBe("support");
    expect(r.workflows.map((w) => w.workflow)).toEqual(["support-triage"]);
    const wf = r.workflows[0]!;
    expect(statusOf(wf.checks)).toEqual({
      boundary: "pass",
      "risky-actions": "pass",
      approvers: "pass",
      credentials: "pass",
      limits: "warn",
      data: "pass",
    });
    const limits = wf.checks.find((c) => c.id === "limits")!;
    expect(limits.findings).toContain("no rate limit for helpdesk, which the workflow can change or send through");
    expect(wf.checks.find((c) => c.id === "credentials")!.findings).toContain(
      "helpdesk: secret helpdesk-token from the vault",
    );
    expect(statusOf(r.record)).toEqual({
      "audit-chain": "pass",
      "audit-export": "warn",
      "approval-notifications": "warn",
    });
    expect(r.status).toBe("warn");
  });

  it("fails a workflow whose secret is not in the vault, and reports one workflow when asked", async () => {
    const yaml = workflowYaml(h.systems.url)
      .replace("name: support-triage", "name: intake")
      .replace("secretRef: helpdesk-token", "secretRef: intake-token");
    await ws.admin.putWorkflow("support", "intake", yaml);
    const r = await ws.admin.readiness("support", "intake");
    expect(r.workflows.map((w) => [w.workflow, w.status])).toEqual([["intake", "fail"]]);
    const credentials = r.workflows[0]!.checks.find((c) => c.id === "credentials")!;
    expect(credentials.status).toBe("fail");
    expect(credentials.findings).toContain(
      "helpdesk: secret intake-token is not in the workspace's vault, so calls fail",
    );
    expect(r.status).toBe("fail");

    await ws.admin.putSecret("support", "intake-token", "whatever");
    const fixed = await ws.admin.readiness("support", "intake");
    expect(fixed.workflows[0]!.checks.find((c) => c.id === "credentials")!.status).toBe("pass");
  });

  it("fails approvals once no key can answer them", async () => {
    const keys = await ws.admin.listKeys("support");
    const approver = keys.items.find((k) => k.role === "approver")!;
    await ws.admin.revokeKey("support", approver.id);
    const r = await ws.auditor.readiness("support", "support-triage");
    expect(r.workflows[0]!.checks.find((c) => c.id === "approvers")).toMatchObject({
      status: "fail",
      findings: ["no active approver key can decide, so approvals would only time out"],
    });
  });

  it("is for admins and auditors of the workspace only, and names what it cannot find", async () => {
    expect(await problemOf(ws.agent.readiness("support"))).toMatchObject({ status: 403, code: "forbidden" });
    expect(await problemOf(ws.auditor.readiness("support", "nope"))).toMatchObject({
      status: 404,
      detail: "no workflow nope in workspace support",
    });
    const other = await h.workspace("globex", "ops");
    expect(await problemOf(other.auditor.readiness("support"))).toMatchObject({ status: 404 });
    expect(await problemOf(ws.auditor.readiness("support", ""))).toMatchObject({ status: 400 });
  });
});
