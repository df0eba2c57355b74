import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "./approvals-support.js";
import { type Harness, problemOf, startHarness, type Workspace } from "./harness.js";

// THREATS #4: every address a tenant's admin chooses is checked when it is dialled. With private
// networks refused altogether (`none`), a listener on loopback stands in for an internal service:
// it must never see a connection, and each path must say why it did not reach it.
let h: Harness;
let ws: Workspace;
let internal: Server;
let port: number;
let connections = 0;
const clock = new ManualClock();

beforeAll(async () => {
  internal = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((r) => internal.listen(0, "127.0.0.1", r));
  port = (internal.address() as { port: number }).port;
  h = await startHarness({ clock, env: { TOLLGATE_ALLOW_PRIVATE_NETWORKS: "none" }, tuning: { jobIntervalMs: 0 } });
  ws = await h.workspace("initech", "ops");
  await ws.admin.putSecret("ops", "hook-secret", "whsec_outbound_0123456789");
});
afterAll(async () => {
  await h?.close();
  await new Promise<void>((r) => internal.close(() => r()));
});

const refusal = /refuses to connect to (127\.0\.0\.1|localhost): .*loopback.*TOLLGATE_ALLOW_PRIVATE_NETWORKS/;

describe("outbound address checks on what an admin configures", () => {
  it("does not call an http connector's system at an internal address", async () => {
    const run = await ws.agent.startRun({ workspace: "ops", workflow: "support-triage" });
    const p = await problemOf(ws.agent.callTool(run.id, "tracker.search_issues", { q: "anything" }));
    expect(p).toMatchObject({ code: "upstream_failed", detail: expect.stringMatching(refusal) });
    expect(h.systems.count()).toBe(0);
  });

  it("does not reach an MCP server at an internal address", async () => {
    // a manifest with MCP systems is stored only when its tools can be listed: refused at once
    const p = await problemOf(
      ws.admin.putWorkflow(
        "ops",
        "internal-mcp",
        `apiVersion: tollgate/v1
kind: Workflow
name: internal-mcp
description: an MCP server on an internal address
owner: test@example.com
start: a test
end: the test is done
systems:
  inside:
    connector: { type: mcp, url: "http://localhost:${port}/mcp", timeout: 2s }
    actions:
      look: { class: READ, tool: look }
`,
      ),
    );
    expect(p).toMatchObject({ code: "upstream_failed", detail: expect.stringMatching(refusal) });
    expect(connections).toBe(0);
  });

  it("does not deliver approval notifications to an internal address", async () => {
    await ws.admin.putNotifications("ops", [
      { name: "hook", kind: "webhook", url: `http://127.0.0.1:${port}/hook`, secretRef: "hook-secret" },
    ]);
    const run = await ws.agent.startRun({ workspace: "ops", workflow: "support-triage" });
    const call = await ws.agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: "needs approval" });
    expect(call.status).toBe("pending_approval");
    await h.server.tollgate.services.jobs.runOnce();
    const [delivery] = (await ws.admin.getNotifications("ops")).deliveries.filter(
      (d) => d.approvalId === call.approvalId,
    );
    expect(delivery).toMatchObject({ status: "pending", attempts: 1, lastError: expect.stringMatching(refusal) });
    expect(connections).toBe(0);
  });

  it("does not send audit events to a sink at an internal address", async () => {
    const sinks = {
      hook: { kind: "webhook", url: `http://localhost:${port}/`, secretRef: "hook-secret" },
      splunk: { kind: "hec", url: `http://127.0.0.1:${port}/services/collector/event`, tokenSecret: "hook-secret" },
      syslog: { kind: "syslog", host: "localhost", port },
      "syslog-ip": { kind: "syslog", host: "127.0.0.1", port },
    } as const;
    for (const [name, sink] of Object.entries(sinks)) {
      await ws.admin.putSink("ops", name, sink);
      const failed = await problemOf(ws.admin.testSink("ops", name));
      expect(failed, name).toMatchObject({ status: 502, detail: expect.stringMatching(refusal) });
    }
    expect(connections).toBe(0);
  });
});
