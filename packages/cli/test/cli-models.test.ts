import { tollgate as runCli } from "./run-cli.js";
import { type FakeModelProvider, startFakeModel } from "@tollgate/example-support-triage";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, type Workspace } from "../../server/test/harness.js";

let h: Harness;
let model: FakeModelProvider;
let ws: Workspace;
const keys: Record<string, string> = {};

const tollgate = (role: string, args: string[]) =>
  runCli(args, { TOLLGATE_URL: h.url, TOLLGATE_KEY: keys[role] ?? "" });

beforeAll(async () => {
  h = await startHarness();
  model = await startFakeModel();
  ws = await h.workspace("cli-models", "models");
  for (const role of ["admin", "agent", "auditor", "approver"] as const)
    keys[role] = (await h.operator.createKey("models", `cli-${role}`, role)).key;
  await ws.admin.putSecret("models", "model-key", model.apiKey);
});
afterAll(async () => {
  await h.close();
  await model.close();
});

describe("tollgate providers, usage, data-flows and alerts", () => {
  it("configures a provider, then reports usage, the register and alerts of calls through the proxy", async () => {
    const set = await tollgate("admin", [
      "providers",
      "set",
      "openai",
      "--workspace",
      "models",
      "--kind",
      "openai",
      "--base-url",
      model.openaiBaseUrl,
      "--api-key-secret",
      "model-key",
      "--models",
      "gpt-4o-mini, gpt-4o",
    ]);
    expect(set.stdout).toContain("provider openai (openai) serves gpt-4o-mini, gpt-4o");
    expect((await tollgate("admin", ["spend-caps", "--workspace", "models", "--daily", "50"])).stdout).toContain(
      "daily $50.00, monthly none",
    );

    const run = await ws.agent.startRun({ workspace: "models", workflow: "support-triage" });
    const client = new OpenAI({ baseURL: ws.agent.openaiBaseUrl(run.id), apiKey: keys.agent, maxRetries: 0 });
    for (let i = 0; i < 3; i++)
      await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "write to jane.doe@example.com" }],
      });
    await h.server.tollgate.services.models.watcher.idle();

    const usage = await tollgate("auditor", ["usage", "--workspace", "models", "--group-by", "model", "--json"]);
    expect(JSON.parse(usage.stdout).groups).toEqual([expect.objectContaining({ key: "gpt-4o-mini", modelCalls: 3 })]);
    expect((await tollgate("auditor", ["usage", "--workspace", "models"])).stdout).toMatch(/total.*3/);

    const flows = await tollgate("auditor", ["data-flows", "--workspace", "models"]);
    expect(flows.stdout).toContain("support-triage");
    expect(flows.stdout).toMatch(/warning: .*pii\.email/);
    const md = await tollgate("auditor", ["data-flows", "--workspace", "models", "--markdown"]);
    expect(md.stdout).toContain("# Data-flow register: workspace models");

    const list = await tollgate("approver", ["alerts", "--workspace", "models", "--json"]);
    const alerts = JSON.parse(list.stdout) as { id: string; kind: string }[];
    expect(alerts.map((a) => a.kind)).toContain("repeated_call");
    const ack = await tollgate("approver", ["alerts", "ack", alerts[0]!.id]);
    expect(ack.stdout).toContain("acknowledged");
    const again = await tollgate("approver", ["alerts", "ack", alerts[0]!.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("conflict");
  });
});
