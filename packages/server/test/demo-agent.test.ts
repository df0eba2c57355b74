import { runDemoAgent } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness, type Workspace, keyOf } from "./harness.js";

let h: Harness;
let ws: Workspace;
beforeAll(async () => {
  h = await startHarness();
  ws = await h.workspace("democo", "demows");
});
afterAll(async () => h.close());

it("the scripted demo agent triages tickets and is stopped where the workflow says", async () => {
  const keys = { agent: keyOf(ws.agent), approver: keyOf(ws.approver), auditor: keyOf(ws.auditor) };
  const report = await runDemoAgent({ url: h.url, workspace: "demows", workflow: "support-triage", keys });
  const outcome = (step: string) => report.outcomes.find((o) => o.step === step)?.outcome;
  expect(outcome("read the queue")).toBe("succeeded");
  expect(outcome("issue for T-1001 after approval")).toBe("succeeded");
  expect(outcome("delete an issue")).toBe("blocked");
  expect(outcome("touch the security project")).toBe("blocked");
  expect(outcome("use a tool it was never given")).toBe("outside_boundary");
  expect(outcome("post to a public channel")).toBe("pending_approval");
  expect(h.systems.count("tracker", "DELETE")).toBe(0);

  // The "worse" agent obeys the instruction planted in ticket T-1003; the delete is still blocked.
  const misled = await runDemoAgent({
    url: h.url,
    workspace: "demows",
    workflow: "support-triage",
    keys,
    obeyInjectedInstructions: true,
  });
  expect(misled.outcomes.find((o) => o.step === "obey the injected instruction")?.outcome).toBe("blocked");
  expect(h.systems.count("tracker", "DELETE")).toBe(0);
  expect((await ws.auditor.getRun(report.runId)).status).toBe("succeeded");
});
