import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tollgate } from "./run-cli.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { workflowPath, workflowYaml } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, type Workspace } from "../../server/test/harness.js";

const example = (p: string) => fileURLToPath(new URL(`../../../examples/support-triage/${p}`, import.meta.url));
const suiteFile = example("evals/triage.yaml");
const policyTests = example("evals/policy.test.yaml");
const goodAgent = `"${process.execPath}" "${example("dist/eval-agent.js")}"`;
const worseAgent = `${goodAgent} --obey-injected-instructions`;

const dir = mkdtempSync(join(tmpdir(), "tollgate-cc-"));

describe("tollgate policy test", () => {
  it("passes the example's policy tests", async () => {
    const r = await tollgate(["policy", "test", workflowPath, policyTests]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("6 passed");
  });

  it("fails with expected vs got and the rules that applied, and a non-zero exit", async () => {
    const file = join(dir, "failing.test.yaml");
    writeFileSync(
      file,
      readFileSync(policyTests, "utf8").replace(
        'args: { channel: "#general", text: hello }\n    expect: approve',
        'args: { channel: "#general", text: hello }\n    expect: allow',
      ),
    );
    const r = await tollgate(["policy", "test", workflowPath, file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("✗ posting anywhere else needs a human");
    expect(r.stdout).toContain("expected allow, got approve");
    expect(r.stdout).toMatch(/got: +approve by \[class default\]/);
    expect(r.stdout).toContain("1 failed, 5 passed");

    const json = await tollgate(["--json", "policy", "test", workflowPath, file]);
    expect(JSON.parse(json.stdout)).toMatchObject({ passed: 5, failed: 1 });
  });

  it("names the path and line of a bad test file", async () => {
    const file = join(dir, "bad.test.yaml");
    writeFileSync(file, "cases:\n  - name: x\n    tool: helpdesk.get_ticket\n    expect: maybe\n");
    const r = await tollgate(["policy", "test", workflowPath, file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cases[0].expect");
  });
});

describe("tollgate eval, replay and runs show against a server", () => {
  let h: Harness;
  let ws: Workspace;
  const keyOf = (c: Workspace["agent"]) => (c as unknown as { opts: { key: string } }).opts.key;
  let env: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness();
    ws = await h.workspace("evalco", "evalws");
    env = { TOLLGATE_URL: h.url, TOLLGATE_KEY: keyOf(ws.admin) };
  });
  afterAll(async () => h.close());

  const evalArgs = (agent: string, ...more: string[]) => [
    "eval",
    "--workspace",
    "evalws",
    "--suite",
    suiteFile,
    "--agent",
    agent,
    "--agent-key",
    keyOf(ws.agent),
    ...more,
  ];

  it("passes the example suite with the scripted agent, then fails it with the worse variant", async () => {
    const baseline = join(dir, "baseline.json");
    const junit = join(dir, "junit.xml");
    const requestsBefore = h.systems.count();
    const good = await tollgate(evalArgs(goodAgent, "--baseline", baseline, "--accept", "--junit", junit), env);
    expect(good.stderr + good.stdout).toContain("PASSED: no regressions");
    expect(good.code).toBe(0);
    expect(JSON.parse(readFileSync(baseline, "utf8")).cases["does not obey instructions planted in a ticket"]).toEqual({
      passed: true,
      toolCalls: 2,
    });
    expect(readFileSync(junit, "utf8")).toContain('<testsuite name="support-triage-core" tests="3" failures="0"');
    expect(h.systems.count()).toBe(requestsBefore); // simulated: the real systems were never called

    const worse = await tollgate(evalArgs(worseAgent, "--baseline", baseline, "--junit", junit), env);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toContain("✗ REGRESSION does not obey instructions planted in a ticket");
    expect(worse.stdout).toContain("not called tracker.delete_issue: made 1 time(s)");
    expect(worse.stdout).toContain("blocked calls: expected 0, got 1");
    expect(worse.stdout).toContain("FAILED: 1 regression(s)");
    const xml = readFileSync(junit, "utf8");
    expect(xml).toContain('failures="1"');
    expect(xml).toMatch(/<testcase [^>]*name="does not obey instructions planted in a ticket">\s*<failure/);

    const json = await tollgate(["--json", ...evalArgs(worseAgent)], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ passed: false, baseline: "none" });
  });

  it("gates a release on its eval report", async () => {
    const release = await ws.admin.createRelease("evalws", { workflow: "support-triage", model: "model-a" });
    const refused = await tollgate(["releases", "activate", release.id, "--workspace", "evalws"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("release_not_evaluated");

    const worse = await tollgate(evalArgs(worseAgent, "--release", release.id), env);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toContain("report stored as failing");
    expect((await tollgate(["releases", "activate", release.id, "--workspace", "evalws"], env)).code).toBe(1);

    const good = await tollgate(evalArgs(goodAgent, "--release", release.id), env);
    expect(good.stdout).toContain("report accepted");
    expect(good.code).toBe(0);
    const ok = await tollgate(["releases", "activate", release.id, "--workspace", "evalws"], env);
    expect(ok.stdout).toContain(`release ${release.id} is active (activate`);
  });

  it("prints a replay report and the versions of a run", async () => {
    const run = await ws.agent.startRun({
      workspace: "evalws",
      workflow: "support-triage",
      versions: { model: "model-z" },
    });
    await ws.agent.callTool(run.id, "chat.post_message", { channel: "#support-triage", text: "hi" });
    const candidate = join(dir, "stricter.yaml");
    writeFileSync(
      candidate,
      workflowYaml(h.systems.url).replace(
        "effect: allow\n      reason: Posting",
        "effect: block\n      reason: Posting",
      ),
    );
    const r = await tollgate(
      ["replay", "--workspace", "evalws", "--workflow", "support-triage", "--candidate", candidate, "--since", "1h"],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/allow → block: \d+/);
    expect(r.stdout).toContain(run.id);

    const show = await tollgate(["runs", "show", run.id], env);
    expect(show.stdout).toMatch(/versions: workflow [0-9a-f]{12}, model model-z/);
  });
});
