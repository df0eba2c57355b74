import pg from "pg";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Store } from "../src/index.js";
import type { TestStore } from "./stores.js";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

/** Model providers, spend reservations, model calls, usage and alerts (issue 5). */
export function modelsContract(name: string, make: () => Promise<TestStore>): void {
  describe(`model proxy, spend and alerts on ${name}`, () => {
    let t: TestStore;
    let store: Store;

    beforeEach(async () => {
      t = await make();
      store = t.store;
      for (const id of ["ta", "tb"]) await store.createTenant({ id, name: id, wrappedKey: "k", createdAt: at(0) });
      await store.scope("ta").workspaces.create("wa", "A", at(0));
      await store.scope("tb").workspaces.create("wb", "B", at(0));
    });
    afterEach(async () => t.cleanup());

    const run = (id: string, over: Record<string, unknown> = {}) =>
      store.scope("ta").runs.create({
        id,
        workspaceId: "wa",
        workflow: "wf",
        workflowVersion: "sha256:1",
        agent: "bot",
        actingAs: "service",
        labels: {},
        traceId: "0af7651916cd43dd8448eb211c80319c",
        startedBy: "key_1",
        startedAt: at(1),
        deadlineAt: null,
        ...over,
      } as never);

    const call = (id: string, runId: string, over: Record<string, unknown> = {}) => ({
      id,
      workspaceId: "wa",
      runId,
      workflow: "wf",
      agent: "bot",
      provider: "openai",
      api: "openai",
      model: "gpt-4o-mini",
      stream: false,
      requestHash: "h1",
      promptChars: 100,
      redacted: [] as string[],
      redactions: 0,
      sentKinds: [] as string[],
      reservedUsd: 0.01,
      requestedBy: "key_1",
      createdAt: at(2),
      ...over,
    });

    it("stores providers and settings per workspace, invisible to other tenants", async () => {
      const s = store.scope("ta");
      const p = {
        workspaceId: "wa",
        name: "openai",
        kind: "openai" as const,
        baseUrl: "http://x/v1",
        apiKeySecret: "openai-key",
        models: ["gpt-4o-mini"],
        updatedAt: at(1),
      };
      await s.modelConfig.putProvider(p);
      await s.modelConfig.putProvider({ ...p, models: ["gpt-4o-mini", "gpt-4o"], updatedAt: at(2) });
      expect(await s.modelConfig.providers("wa")).toEqual([
        { ...p, models: ["gpt-4o-mini", "gpt-4o"], updatedAt: at(2) },
      ]);
      expect(await store.scope("tb").modelConfig.providers("wa")).toEqual([]);
      await s.modelConfig.putSettings({
        workspaceId: "wa",
        prices: { m: { inputPerMTok: 1, outputPerMTok: 2 } },
        dailyUsd: 5,
        monthlyUsd: null,
        updatedAt: at(1),
      });
      expect(await s.modelConfig.settings("wa")).toMatchObject({ dailyUsd: 5, monthlyUsd: null });
      expect(await store.scope("tb").modelConfig.settings("wa")).toBeUndefined();
      expect(await s.modelConfig.deleteProvider("wa", "openai")).toBe(true);
      expect(await s.modelConfig.deleteProvider("wa", "openai")).toBe(false);
    });

    it("reserves workspace spend atomically under a cap, also in parallel", async () => {
      const day = (cap: number | null) => [{ period: "2026-01-01", cap }];
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.transaction("ta", (x) => x.modelConfig.reserveSpend("wa", 0.1, day(0.5))),
        ),
      );
      expect(results.filter((r) => r === undefined)).toHaveLength(5);
      expect(results.filter((r) => r === "2026-01-01")).toHaveLength(15);
      const s = store.scope("ta");
      expect(await s.modelConfig.spend("wa", "2026-01-01")).toBeCloseTo(0.5, 9);
      expect(await s.modelConfig.reserveSpend("wa", -0.2, day(0.5))).toBeUndefined();
      expect(await s.modelConfig.spend("wa", "2026-01-01")).toBeCloseTo(0.3, 9);
      expect(await store.scope("tb").modelConfig.spend("wa", "2026-01-01")).toBe(0);
    });

    it("refuses a period's first reservation that alone passes the cap, and takes one that fits exactly", async () => {
      const s = store.scope("ta");
      const month = (cap: number | null) => [{ period: "2026-02", cap }];
      expect(await s.modelConfig.reserveSpend("wa", 0.6, month(0.5))).toBe("2026-02");
      expect(await s.modelConfig.spend("wa", "2026-02")).toBe(0);
      expect(await s.modelConfig.reserveSpend("wa", 0.5, month(0.5))).toBeUndefined();
      expect(await s.modelConfig.reserveSpend("wa", 0.01, month(0.5))).toBe("2026-02");
      expect(await s.modelConfig.reserveSpend("wa", 7, month(null))).toBeUndefined();
      expect(await s.modelConfig.spend("wa", "2026-02")).toBeCloseTo(7.5, 9);
    });

    it("reserves a day and its month in one statement, and names the period whose cap refused", async () => {
      const periods = (dayCap: number | null, monthCap: number | null) => [
        { period: "2026-04-01", cap: dayCap },
        { period: "2026-04", cap: monthCap },
      ];
      const s = store.scope("ta");
      expect(await s.modelConfig.reserveSpend("wa", 0.4, periods(1, 0.5))).toBeUndefined();
      expect(await s.modelConfig.spend("wa", "2026-04-01")).toBeCloseTo(0.4, 9);
      expect(await s.modelConfig.spend("wa", "2026-04")).toBeCloseTo(0.4, 9);
      // the month would pass its cap: refused by name, and the transaction's rollback takes the day back
      await expect(
        store.transaction("ta", async (x) => {
          const refused = await x.modelConfig.reserveSpend("wa", 0.2, periods(1, 0.5));
          if (refused) throw new Error(`refused ${refused}`);
        }),
      ).rejects.toThrow("refused 2026-04");
      expect(await s.modelConfig.spend("wa", "2026-04-01")).toBeCloseTo(0.4, 9);
      await expect(
        store.transaction("ta", async (x) => {
          const refused = await x.modelConfig.reserveSpend("wa", 0.7, periods(1, null));
          if (refused) throw new Error(`refused ${refused}`);
        }),
      ).rejects.toThrow("refused 2026-04-01");
      expect(await s.modelConfig.reserveSpend("wa", -0.1, periods(0.1, 0.1))).toBeUndefined();
      expect(await s.modelConfig.spend("wa", "2026-04")).toBeCloseTo(0.3, 9);
      if (store.dialect === "postgres") {
        // one round trip for both periods
        const query = vi.spyOn(pg.Client.prototype, "query");
        const before = query.mock.calls.length;
        expect(await s.modelConfig.reserveSpend("wa", 0.1, periods(1, 1))).toBeUndefined();
        const sent = query.mock.calls.length - before;
        query.mockRestore();
        expect(sent).toBe(1);
      }
    });

    it("reserves model calls and cost on the run atomically, then settles", async () => {
      await run("run_m");
      const s = store.scope("ta");
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.transaction("ta", (x) => x.runs.reserveModelCall("run_m", { modelCalls: 10, costUsd: 0.35 }, 0.05)),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(7);
      expect((await s.runs.get("run_m"))?.costUsd).toBeCloseTo(0.35, 9);
      await s.runs.adjustCost("run_m", -0.04);
      expect((await s.runs.get("run_m"))?.costUsd).toBeCloseTo(0.31, 9);
      expect(await s.runs.reserveModelCall("run_m", { modelCalls: 7 }, 0)).toBe(false);
      expect(await store.scope("tb").runs.reserveModelCall("run_m", {}, 0)).toBe(false);
    });

    it("reserves a model call with its row: the row is written only when the reservation is taken", async () => {
      await run("run_r");
      const s = store.scope("ta");
      const caps = { modelCalls: 10, costUsd: 0.35 };
      const taken = await Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          store.transaction("ta", (x) =>
            x.modelCalls.insertReserving(call(`mc_r${i}`, "run_r", { reservedUsd: 0.05 }), caps, 0.05),
          ),
        ),
      );
      expect(taken.filter(Boolean)).toHaveLength(7);
      expect(await s.runs.get("run_r")).toMatchObject({ modelCalls: 7 });
      expect((await s.runs.get("run_r"))?.costUsd).toBeCloseTo(0.35, 9);
      const written = (await Promise.all(taken.map((_, i) => s.modelCalls.get(`mc_r${i}`)))).filter(Boolean);
      expect(written).toHaveLength(7);
      const streamed = call("mc_s", "run_r", {
        stream: true,
        promptChars: 1234,
        redactions: 2,
        redacted: ["pii.email"],
      });
      expect(await s.modelCalls.insertReserving(streamed, {}, 0.015625)).toBe(true);
      expect(await s.modelCalls.get("mc_s")).toMatchObject({
        stream: true,
        promptChars: 1234,
        redactions: 2,
        redacted: ["pii.email"],
        reservedUsd: 0.01,
        status: "executing",
        costUsd: 0,
        inputTokens: 0,
        finishedAt: null,
      });
      // an ended run, another tenant's run: nothing reserved, nothing written
      await s.runs.end("run_r", "stopped", at(4));
      expect(await s.modelCalls.insertReserving(call("mc_e", "run_r"), {}, 0)).toBe(false);
      expect(await s.modelCalls.get("mc_e")).toBeUndefined();
      expect(await store.scope("tb").modelCalls.insertReserving(call("mc_t", "run_r"), {}, 0)).toBe(false);
      expect(await s.runs.get("run_r")).toMatchObject({ modelCalls: 8 });
      if (store.dialect === "postgres") {
        // one round trip: the reservation rides in the INSERT's WITH clause
        await run("run_one");
        const query = vi.spyOn(pg.Client.prototype, "query");
        const before = query.mock.calls.length;
        expect(await s.modelCalls.insertReserving(call("mc_one", "run_one"), caps, 0.05)).toBe(true);
        const sent = query.mock.calls.length - before;
        query.mockRestore();
        expect(sent).toBe(1);
      }
    });

    it("records a model call's outcome once, and groups observed data flows", async () => {
      await run("run_c");
      const s = store.scope("ta");
      await s.modelCalls.insert(call("mc_1", "run_c", { redacted: ["pii.email"] }));
      await s.modelCalls.insert(call("mc_2", "run_c", { redacted: ["pii.email"], createdAt: at(5) }));
      await s.modelCalls.insert(call("mc_3", "run_c", { provider: "anthropic" }));
      const outcome = {
        status: "succeeded" as const,
        inputTokens: 10,
        outputTokens: 5,
        costUsd: 0.002,
        error: null,
        firstTokenMs: 3,
        durationMs: 9,
        finishedAt: at(3),
      };
      expect(await s.modelCalls.finish("mc_1", outcome)).toBe(true);
      expect(await s.modelCalls.finish("mc_1", outcome)).toBe(false);
      expect(await s.modelCalls.get("mc_1")).toMatchObject({ status: "succeeded", inputTokens: 10, costUsd: 0.002 });
      expect(await store.scope("tb").modelCalls.get("mc_1")).toBeUndefined();
      const flows = await s.modelCalls.dataFlows("wa");
      expect(flows).toHaveLength(2);
      expect(flows.find((f) => f.provider === "openai")).toMatchObject({
        redacted: ["pii.email"],
        calls: 2,
        promptChars: 200,
        lastSeen: at(5),
      });
      expect((await s.modelCalls.listExecuting()).map((c) => c.id).sort()).toEqual(["mc_2", "mc_3"]);
    });

    it("sums usage by day, workflow, model and agent", async () => {
      await run("run_u");
      const s = store.scope("ta");
      await s.modelCalls.insert(call("mc_u", "run_u"));
      await s.modelCalls.finish("mc_u", {
        status: "succeeded",
        inputTokens: 100,
        outputTokens: 50,
        costUsd: 0.01,
        error: null,
        firstTokenMs: null,
        durationMs: 5,
        finishedAt: at(3),
      });
      await s.toolCalls.insert({
        id: "call_u",
        workspaceId: "wa",
        runId: "run_u",
        tool: "x.y",
        class: "WRITE",
        args: {},
        argsSealed: null,
        argsHash: "h",
        decision: "block",
        rules: [],
        reason: "r",
        status: "blocked",
        approvalId: null,
        idempotencyKey: null,
        requestedBy: "key_1",
        createdAt: at(2),
        startedAt: null,
      } as never);
      const q = { workspaceId: "wa", from: at(0), to: at(60) };
      for (const groupBy of ["day", "workflow", "model", "agent"] as const) {
        const models = await s.usage.models({ ...q, groupBy });
        expect(models).toHaveLength(1);
        expect(models[0]).toMatchObject({ calls: 1, inputTokens: 100, outputTokens: 50, costUsd: 0.01 });
        const tools = await s.usage.tools({ ...q, groupBy });
        expect(tools).toEqual([
          expect.objectContaining({ class: "WRITE", decision: "block", status: "blocked", count: 1 }),
        ]);
        expect(await s.usage.approvals({ ...q, groupBy })).toEqual([]);
      }
      expect((await s.usage.models({ ...q, groupBy: "day" }))[0]?.key).toBe("2026-01-01");
      expect(await store.scope("tb").usage.models({ ...q, workspaceId: "wa", groupBy: "day" })).toEqual([]);
    });

    it("gives a workflow's recent ended runs as its normal", async () => {
      for (let i = 0; i < 4; i++) {
        await run(`run_h${i}`, { startedAt: at(i) });
        if (i < 3) await store.scope("ta").runs.end(`run_h${i}`, "succeeded", at(i + 1));
      }
      const normal = await store.scope("ta").runs.recentEnded("wa", "wf", 2);
      expect(normal.map((r) => r.id)).toEqual(["run_h2", "run_h1"]);
      // the running run_h3 is never part of it
      expect((await store.scope("ta").runs.recentEnded("wa", "wf", 10)).map((r) => r.id)).toEqual([
        "run_h2",
        "run_h1",
        "run_h0",
      ]);
    });

    it("stores an alert once per dedupe key and acknowledges it once", async () => {
      const s = store.scope("ta");
      const alert = {
        id: "alr_1",
        workspaceId: "wa",
        kind: "budget_threshold",
        severity: "warning" as const,
        runId: "run_1",
        message: "80%",
        data: { pct: 80 },
        dedupeKey: "k1",
        createdAt: at(1),
        delivery: "stored" as const,
      };
      expect(await s.alerts.insert(alert)).toBe(true);
      expect(await s.alerts.insert({ ...alert, id: "alr_2" })).toBe(false);
      expect(await s.alerts.insert({ ...alert, id: "alr_3", dedupeKey: null })).toBe(true);
      expect(await s.alerts.insert({ ...alert, id: "alr_4", dedupeKey: null, delivery: "pending" })).toBe(true);
      expect((await s.alerts.get("alr_4"))?.delivery).toBe("pending");
      expect(await s.alerts.list({ workspaceId: "wa" })).toHaveLength(3);
      expect(await s.alerts.acknowledge("alr_1", "key_a", at(2))).toBe(true);
      expect(await s.alerts.acknowledge("alr_1", "key_b", at(3))).toBe(false);
      expect(await s.alerts.get("alr_1")).toMatchObject({ acknowledgedBy: "key_a", delivery: "stored" });
      expect(await s.alerts.list({ workspaceId: "wa", acknowledged: false })).toHaveLength(2);
      await s.alerts.setDelivery("alr_1", "delivered", null);
      expect((await s.alerts.get("alr_1"))?.delivery).toBe("delivered");
      expect(await store.scope("tb").alerts.get("alr_1")).toBeUndefined();
      expect(await store.scope("tb").alerts.acknowledge("alr_3", "x", at(2))).toBe(false);
    });
  });
}
