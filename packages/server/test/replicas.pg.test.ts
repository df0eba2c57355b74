import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { Writable } from "node:stream";
import { join } from "node:path";
import { startFakeModel, workflowYaml } from "@tollgate/example-support-triage";
import { TollgateClient } from "@tollgate/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/index.js";
import { testDatabase } from "./test-database.js";
import { type Harness, operatorKey, startHarness, type Workspace } from "./harness.js";
import { useFakeProvider } from "./model-support.js";

const pgUrl = process.env.TOLLGATE_TEST_DATABASE_URL;

/** Two Tollgate replicas on one PostgreSQL database: what one decides, the other sees at once. */
describe.skipIf(!pgUrl)("two replicas on PostgreSQL", () => {
  let h: Harness;
  let ws: Workspace;
  let replicaB: RunningServer;
  let dataDirB: string;
  let db: Awaited<ReturnType<typeof testDatabase>> | undefined;
  let b: { agent: TollgateClient; approver: TollgateClient };

  beforeAll(async () => {
    db = await testDatabase("replicas");
    h = await startHarness({ databaseUrl: db.url, databaseRole: db.role });
    ws = await h.workspace("replco", "replws");
    dataDirB = mkdtempSync(join(tmpdir(), "tollgate-replica-b-"));
    replicaB = await startServer({
      port: 0,
      dataDir: dataDirB,
      databaseUrl: db.url,
      // the role from the environment, as an operator would give it
      env: { TOLLGATE_ADMIN_KEY: operatorKey, TOLLGATE_MASTER_KEY: "a".repeat(64), TOLLGATE_DATABASE_ROLE: db.role },
      // key, secret and model-config caches far longer than any test: only the change notices can end them in time
      tuning: { keyCacheMs: 600_000, secretCacheMs: 600_000, modelConfigCacheMs: 600_000 },
    });
    const keyOf = (c: TollgateClient) => (c as unknown as { opts: { key: string } }).opts.key;
    b = {
      agent: new TollgateClient({ url: replicaB.url, key: keyOf(ws.agent) }),
      approver: new TollgateClient({ url: replicaB.url, key: keyOf(ws.approver) }),
    };
  });
  afterAll(async () => {
    await replicaB?.close();
    await h?.close();
    rmSync(dataDirB, { recursive: true, force: true });
    await db?.drop();
  });

  it("each replica serves as the role it was given, one row-level security binds; a superuser start warns", async () => {
    expect(h.server.store.rowSecurity).toEqual({ role: db?.role, enforced: true });
    // replica B was given its role by TOLLGATE_DATABASE_ROLE
    expect(replicaB.store.rowSecurity).toEqual({ role: db?.role, enforced: true });
    const lines: string[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), "tollgate-replica-c-"));
    const unbound = await startServer({
      port: 0,
      dataDir,
      databaseUrl: db?.url as string,
      env: { TOLLGATE_ADMIN_KEY: operatorKey, TOLLGATE_MASTER_KEY: "a".repeat(64) },
      logger: {
        level: "warn",
        stream: new Writable({ write: (chunk, _e, done) => done(void lines.push(String(chunk))) }),
      },
    });
    try {
      expect(unbound.store.rowSecurity?.enforced).toBe(false);
      expect(lines.join("")).toMatch(/row-level security does not bind this role/);
    } finally {
      await unbound.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("wakes an agent waiting on one replica when an approver decides on the other", async () => {
    const run = await ws.agent.startRun({ workspace: "replws", workflow: "support-triage" });
    const pending = await ws.agent.callTool(run.id, "tracker.create_issue", {
      project: "SUP",
      title: "Across replicas",
    });
    // The wait (60 s) is longer than this test may take (30 s): only a notification ends it in time.
    const waiting = ws.agent.getToolCall(pending.id, 60);
    await new Promise((r) => setTimeout(r, 200));
    await b.approver.decide(pending.approvalId!, "approve", "decided on replica B");
    const done = await waiting;
    expect(done.status).toBe("succeeded");
    expect(h.systems.issues().filter((i) => i.title === "Across replicas")).toHaveLength(1);
  });

  it("refuses a key on one replica at once when it is revoked on the other", async () => {
    const created = await ws.admin.createKey("replws", "replica-bot", "agent");
    const onB = new TollgateClient({ url: replicaB.url, key: created.key });
    await onB.listRuns("replws"); // now cached by replica B
    await ws.admin.revokeKey("replws", created.id);
    let status = 200;
    for (let i = 0; i < 500 && status !== 401; i++) {
      status = await onB.listRuns("replws").then(
        () => 200,
        (e: { status?: number }) => e.status ?? 500,
      );
      if (status !== 401) await new Promise((r) => setTimeout(r, 20));
    }
    // the notification ends it; replica B's cache would keep the key for ten minutes
    expect(status).toBe(401);
  });

  it("uses a secret changed on one replica on the other at once", async () => {
    const run = await b.agent.startRun({ workspace: "replws", workflow: "support-triage" });
    await b.agent.callTool(run.id, "helpdesk.get_ticket", { id: "T-1001" }); // replica B caches the token
    await ws.admin.putSecret("replws", "helpdesk-token", "rotated-on-a");
    try {
      let used: string | undefined;
      for (let i = 0; i < 100 && used !== "Bearer rotated-on-a"; i++) {
        await b.agent.callTool(run.id, "helpdesk.get_ticket", { id: `T-100${i % 3}` }).catch(() => undefined);
        used = h.systems.authorizations("helpdesk").at(-1);
        if (used !== "Bearer rotated-on-a") await new Promise((r) => setTimeout(r, 20));
      }
      // the notification ends it; replica B's cache would keep the old token for ten minutes
      expect(used).toBe("Bearer rotated-on-a");
    } finally {
      await ws.admin.putSecret("replws", "helpdesk-token", h.systems.tokens.helpdesk);
    }
  });

  it("applies a spend cap set on one replica to model calls on the other at once", async () => {
    const model = await startFakeModel();
    try {
      await useFakeProvider(ws, model);
      const key = (await ws.admin.createKey("replws", "replica-model-bot", "agent")).key;
      const run = await b.agent.startRun({ workspace: "replws", workflow: "support-triage" });
      const onB = new OpenAI({ baseURL: b.agent.openaiBaseUrl(run.id), apiKey: key, maxRetries: 0 });
      const ask = () =>
        onB.chat.completions
          .create({ model: "gpt-4o", messages: [{ role: "user", content: "Summarise the ticket." }], max_tokens: 100 })
          .then(() => "ok")
          .catch((e: InstanceType<typeof OpenAI.APIError>) => e.code);
      expect(await ask()).toBe("ok"); // replica B caches the workspace's providers and caps
      await ws.admin.putSpendCaps("replws", { dailyUsd: 0.0001 });
      let answer = "ok";
      for (let i = 0; i < 100 && answer === "ok"; i++) {
        answer = await ask();
        if (answer === "ok") await new Promise((r) => setTimeout(r, 20));
      }
      // the notification ends it; replica B's cache would keep the old caps for ten minutes (and the
      // run would go on to its own budget of model calls)
      expect(answer).toBe("budget_exceeded");
      expect(await b.agent.getRun(run.id)).toMatchObject({ stopReason: "workspace_daily_spend_exceeded" });
    } finally {
      await model.close();
    }
  });

  it("never overspends a run's budget with calls spread over both replicas", async () => {
    const small = workflowYaml(h.systems.url)
      .replace(/toolCalls: 40/, "toolCalls: 6")
      .replace("name: support-triage", "name: two-replicas");
    await ws.admin.putWorkflow("replws", "two-replicas", small);
    const run = await ws.agent.startRun({ workspace: "replws", workflow: "two-replicas" });
    const before = h.systems.count("tracker", "GET");
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? b.agent : ws.agent).callTool(run.id, "tracker.search_issues", { q: `r${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(6);
    expect(h.systems.count("tracker", "GET") - before).toBe(6);
    expect((await b.agent.getRun(run.id)).usage.toolCalls).toBe(6);
    expect(await ws.auditor.verifyAudit("replws")).toMatchObject({ ok: true });
  });
});
