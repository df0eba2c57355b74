import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workflowYaml } from "@tollgate/example-support-triage";
import { type Harness, startHarness, type Workspace, keyOf } from "../../server/test/harness.js";
import { tollgate } from "./run-cli.js";

describe("tollgate workflows history and diff", () => {
  let h: Harness;
  let ws: Workspace;
  let env: Record<string, string>;
  let first: string;
  let second: string;

  beforeAll(async () => {
    h = await startHarness();
    ws = await h.workspace("cliwf", "wfws");
    env = { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.auditor) };
    first = (await ws.admin.getWorkflow("wfws", "support-triage")).version;
    const changed = workflowYaml(h.systems.url).replace("maxRepeats: 3", "maxRepeats: 2");
    second = (await ws.admin.putWorkflow("wfws", "support-triage", changed)).version;
  });
  afterAll(async () => h.close());

  it("lists the versions with the active one marked", async () => {
    const r = await tollgate(["workflows", "history", "support-triage", "--workspace", "wfws"], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    const activeRow = lines.findIndex((l) => l.includes(second) && l.includes("active"));
    const olderRow = lines.findIndex((l) => l.includes(first) && !l.includes("active"));
    expect(activeRow).toBeGreaterThanOrEqual(0);
    expect(olderRow).toBeGreaterThanOrEqual(0);
    expect(activeRow).toBeLessThan(olderRow);
  });

  it("prints what changed as a unified diff, or says there is nothing before the first version", async () => {
    const r = await tollgate(["workflows", "diff", "support-triage", "--workspace", "wfws"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^--- ${first} \\(`));
    expect(r.stdout).toContain(`+++ ${second} (`);
    expect(r.stdout).toContain(
      "\n-budgets: { toolCalls: 40, modelCalls: 20, costUsd: 1.50, wallClock: 15m, maxRepeats: 3 }\n",
    );
    expect(r.stdout).toContain(
      "\n+budgets: { toolCalls: 40, modelCalls: 20, costUsd: 1.50, wallClock: 15m, maxRepeats: 2 }\n",
    );
    const none = await tollgate(["workflows", "diff", "support-triage", "--workspace", "wfws", "--to", first], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`not_found: workflow support-triage has no version before ${first} to compare with\n`);
  });
});
