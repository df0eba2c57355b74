import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type FakeModelProvider, startFakeModel } from "@tollgate/example-support-triage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, type Workspace } from "./harness.js";
import { mcpClient } from "./mcp-support.js";
import { useFakeProvider } from "./model-support.js";
import { eventually, type HttpReceiver, startHttpReceiver } from "./receivers/http.js";

/**
 * The privacy reviewer's test (issue 10): distinct canary secrets and personal data planted in
 * arguments, results, headers, upstream error messages and prompts, over the HTTP API, the MCP
 * gateway and the model proxy; then every sink is searched and none holds one in plain text.
 */
const alnum = (n: number) =>
  randomBytes(n * 2)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, n);
const github = () => `ghp_${alnum(36)}`;
const canary = {
  argsToken: github(),
  argsEmail: `canary.args.${alnum(6).toLowerCase()}@example.org`,
  knownSecret: `canary-known-${alnum(20)}`,
  resultToken: github(),
  resultEmail: `canary.result.${alnum(6).toLowerCase()}@example.org`,
  headerToken: github(),
  errorToken: github(),
  mcpToken: github(),
  mcpEmail: `canary.mcp.${alnum(6).toLowerCase()}@example.org`,
  promptToken: github(),
  promptEmail: `canary.prompt.${alnum(6).toLowerCase()}@example.org`,
  promptCard: "4111 1111 1111 1111",
  completionToken: github(),
  completionEmail: `canary.completion.${alnum(6).toLowerCase()}@example.org`,
};
const planted = Object.entries(canary).filter(([k]) => k !== "promptCard");

let h: Harness;
let ws: Workspace;
let siem: HttpReceiver;
let collector: HttpReceiver;
let model: FakeModelProvider;
let agentKey: string;
let auditorKey: string;
const logLines: string[] = [];
const cliBin = fileURLToPath(new URL("../../cli/bin/tollgate.js", import.meta.url));

beforeAll(async () => {
  siem = await startHttpReceiver();
  collector = await startHttpReceiver();
  model = await startFakeModel({ port: 0 });
  h = await startHarness({
    logger: {
      level: "info",
      stream: new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    },
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: "50" },
    tuning: { auditDelivery: { intervalMs: 0 } },
  });
  ws = await h.workspace("privacy", "review");
  await ws.admin.putSecret("review", "canary-secret", canary.knownSecret);
  await ws.admin.putSecret("review", "siem-key", "whsec-canary-test");
  await ws.admin.putSink("review", "siem", { kind: "webhook", url: `${siem.url}/hook`, secretRef: "siem-key" });
  await useFakeProvider(ws, model);
  agentKey = (await h.operator.createKey("review", "canary-agent", "agent")).key;
  auditorKey = (await h.operator.createKey("review", "canary-auditor", "auditor")).key;
}, 60_000);
afterAll(async () => {
  await h?.close();
  await Promise.all([siem?.close(), collector?.close(), model?.close()]);
});

/** Every place a canary must not be found, as text. */
async function sinks(runIds: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const db = join(h.dataDir, "tollgate.db");
  out.database = readFileSync(db).toString("latin1");
  if (existsSync(`${db}-wal`)) out.databaseWal = readFileSync(`${db}-wal`).toString("latin1");
  const events = [];
  for await (const e of ws.auditor.allAuditEvents("review")) events.push(e);
  out.auditEvents = JSON.stringify(events);
  out.auditExport = await ws.auditor.exportAudit("review");
  await h.server.tollgate.services.auditExport.delivery.runOnce();
  out.siem = siem.received.map((r) => r.body).join("\n");
  out.timeline = JSON.stringify(await Promise.all(runIds.map((id) => ws.auditor.timeline(id))));
  out.toolCalls = JSON.stringify(await Promise.all(runIds.map((id) => ws.auditor.getRun(id))));
  const cli = promisify(execFile);
  out.cli = (
    await Promise.all(
      runIds.map(
        async (id) =>
          (
            await cli(process.execPath, [cliBin, "runs", "show", id], {
              env: { ...process.env, NO_COLOR: "1", TOLLGATE_URL: h.url, TOLLGATE_KEY: auditorKey },
            })
          ).stdout,
      ),
    )
  ).join("\n");
  out.otlp = collector.received.map((r) => r.body).join("\n");
  out.logs = logLines.join("");
  return out;
}

describe("canary values planted everywhere are found nowhere in plain text", () => {
  it("HTTP API, MCP gateway and model proxy; database, logs, audit, export, SIEM, OTLP, timeline, CLI", async () => {
    // a result canary: an issue in the example tracker that Tollgate never saw written
    const seeded = await fetch(`${h.systems.url}/tracker/issues`, {
      method: "POST",
      headers: { authorization: `Bearer ${h.systems.tokens.tracker}`, "content-type": "application/json" },
      body: JSON.stringify({
        project: "SUP",
        title: `Customer ${canary.resultEmail} pasted ${canary.resultToken}`,
      }),
    });
    expect(seeded.status).toBe(201);

    // HTTP API: arguments, a header, an upstream error message, a result
    const run = await ws.agent.startRun({ workspace: "review", workflow: "support-triage", agent: "canary-bot" });
    const headers = { "x-debug-token": canary.headerToken };
    const sent = await ws.agent.request<{ status: string; result: unknown }>(
      "POST",
      `/v1/runs/${run.id}/tool-calls`,
      {
        tool: "chat.post_message",
        args: {
          channel: "#support-canary",
          text: `token ${canary.argsToken} from ${canary.argsEmail}, password ${canary.knownSecret}`,
        },
      },
      headers,
    );
    expect(sent.body.status).toBe("succeeded");
    const found = await ws.agent.callTool(run.id, "tracker.search_issues", { q: "pasted" });
    expect(JSON.stringify(found.result)).toContain("pasted [REDACTED:secrets.github]");
    const failed = await ws.agent.callTool(run.id, "helpdesk.get_ticket", { id: canary.errorToken }).catch((e) => e);
    expect(String(failed)).toContain("[REDACTED:secrets.github]");
    // the canaries really reached the systems (so not finding them below means something)
    expect(JSON.stringify(h.systems.messages())).toContain(canary.argsToken);

    // model proxy: a prompt with a token, an email and a card; a completion with a token and an email
    model.setReply(`Reply to ${canary.completionEmail} with the key ${canary.completionToken}`);
    const completion = await fetch(`${ws.agent.openaiBaseUrl(run.id)}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json", ...headers },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [
          {
            role: "user",
            content: `Ticket from ${canary.promptEmail}: my key ${canary.promptToken}, card ${canary.promptCard}`,
          },
        ],
      }),
    });
    expect(completion.status).toBe(200);
    // the agent gets the model's answer as it is; nothing of it is kept
    expect(await completion.text()).toContain(canary.completionToken);
    const toProvider = JSON.stringify(model.requests());
    expect(toProvider).not.toContain(canary.promptToken);
    expect(toProvider).not.toContain(canary.promptEmail);
    await ws.agent.finishRun(run.id, "succeeded");

    // MCP gateway: arguments
    const mcp = await mcpClient(h.url, agentKey, "review", "support-triage");
    const mcpResult = await mcp.callTool({
      name: "chat.post_message",
      arguments: { channel: "#support-canary", text: `mcp ${canary.mcpToken} ${canary.mcpEmail}` },
    });
    expect(mcpResult.isError).toBeFalsy();
    await mcp.close();
    const mcpRuns = (await ws.auditor.listRuns("review")).items.filter((r) => r.id !== run.id).map((r) => r.id);

    await eventually(() => siem.received.length > 0);
    await eventually(() => collector.received.some((r) => r.path === "/v1/traces"));
    const all = await sinks([run.id, ...mcpRuns]);
    for (const name of ["database", "logs", "auditEvents", "auditExport", "siem", "otlp", "timeline", "cli"])
      expect(all[name]?.length ?? 0, `${name} was searched`).toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const [sink, text] of Object.entries(all))
      for (const [what, value] of planted) if (text.includes(value)) leaks.push(`${what} in ${sink}`);
    for (const sink of Object.keys(all))
      if (/4111[ -]?1111[ -]?1111[ -]?1111/.test(all[sink]!)) leaks.push(`promptCard in ${sink}`);
    expect(leaks).toEqual([]);
  }, 120_000);
});
