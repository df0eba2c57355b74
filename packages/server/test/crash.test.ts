import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ExampleSystems, startExampleSystems, workflowYaml } from "@tollgate/example-support-triage";
import { TollgateClient } from "@tollgate/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";

// The real `tollgate serve` process (the build npm install makes), killed with SIGKILL mid-call.
const bin = fileURLToPath(new URL("../../cli/bin/tollgate.js", import.meta.url));
const operatorKey = "crash-test-operator-key";
const dataDir = mkdtempSync(join(tmpdir(), "tollgate-crash-"));
let systems: ExampleSystems;
let server: { child: ChildProcess; url: string } | undefined;
let port = 0;

async function startServerProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, "serve", "--port", String(port), "--data-dir", dataDir], {
    env: { ...process.env, TOLLGATE_ADMIN_KEY: operatorKey, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  port = Number(new URL(url).port);
  return { child, url };
}

async function kill9(): Promise<void> {
  const s = server!;
  await new Promise<void>((resolve) => {
    s.child.once("exit", () => resolve());
    s.child.kill("SIGKILL");
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  systems = await startExampleSystems({ port: 0 });
  server = await startServerProcess();
});
afterAll(async () => {
  server?.child.kill("SIGKILL");
  await systems.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it("the serve process reports its own CPU, memory, event-loop lag and garbage collections on /metrics", async () => {
  const text = await (await fetch(`${server!.url}/metrics`)).text();
  for (const metric of [
    "process_cpu_user_seconds_total",
    "process_resident_memory_bytes",
    "nodejs_eventloop_lag_seconds",
    "nodejs_heap_size_used_bytes",
  ])
    expect(text).toMatch(new RegExp(`^${metric} \\d`, "m"));
  expect(text).toContain("# TYPE nodejs_gc_duration_seconds histogram");
});

it("kill -9 mid-call loses no record; the call is outcome_unknown, pending approvals survive, nothing runs twice", async () => {
  const op = new TollgateClient({ url: server!.url, key: operatorKey });
  await op.createTenant("crashco");
  await op.createWorkspace("crashco", "crash");
  const key = async (role: "admin" | "agent" | "approver" | "auditor") => (await op.createKey("crash", role, role)).key;
  const [adminKey, agentKey, approverKey, auditorKey] = [
    await key("admin"),
    await key("agent"),
    await key("approver"),
    await key("auditor"),
  ];
  const client = (k: string) => new TollgateClient({ url: server!.url, key: k });
  for (const [system, token] of Object.entries(systems.tokens))
    await client(adminKey).putSecret("crash", `${system}-token`, token);
  await client(adminKey).putWorkflow("crash", "support-triage", workflowYaml(systems.url));

  const run = await client(agentKey).startRun({ workspace: "crash", workflow: "support-triage" });
  const pending = await client(agentKey).callTool(run.id, "tracker.create_issue", {
    project: "SUP",
    title: "Survives a crash",
  });

  systems.setFaults({ system: "chat", latencyMs: 1500 });
  const inFlight = client(agentKey)
    .callTool(run.id, "chat.post_message", { channel: "#support-crash", text: "in flight" })
    .catch((e) => e);
  await until(() => systems.count("chat", "POST") === 1, "the chat system to receive the call");
  await kill9();
  expect(await inFlight).toBeInstanceOf(Error);

  server = await startServerProcess();
  const agent = new TollgateClient({ url: server.url, key: agentKey });
  const auditor = new TollgateClient({ url: server.url, key: auditorKey });
  const timeline = await auditor.timeline(run.id);
  const decided = timeline.entries.find(
    (e) => e.type === "tool_call.decided" && (e.details as { tool: string }).tool === "chat.post_message",
  );
  expect(decided, "the decision was on record before the call ran").toBeDefined();
  const cut = await agent.getToolCall(decided!.callId!);
  expect(cut).toMatchObject({ status: "outcome_unknown", error: { code: "outcome_unknown" } });

  await until(() => systems.messages().some((m) => m.text === "in flight"), "the slow chat call to land");
  expect(systems.count("chat", "POST")).toBe(1);

  expect((await agent.getToolCall(pending.id)).status).toBe("pending_approval");
  await new TollgateClient({ url: server.url, key: approverKey }).decide(
    pending.approvalId!,
    "approve",
    "after the crash",
  );
  expect((await agent.waitForToolCall(pending.id, 10)).status).toBe("succeeded");
  expect(systems.issues().filter((i) => i.title === "Survives a crash")).toHaveLength(1);

  expect(await auditor.verifyAudit("crash")).toMatchObject({ ok: true });
});
