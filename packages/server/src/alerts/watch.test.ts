import type { Store } from "@tollgate/store";
import { describe, expect, it } from "vitest";
import { systemClock } from "../clock.js";
import type { WorkflowService } from "../workflows/service.js";
import type { AlertService } from "./service.js";
import { defaultWatchOptions, RunWatcher } from "./watch.js";

/** The watcher's memory: what it remembers for the repeat alert stays bounded over all runs. */
describe("RunWatcher memory", () => {
  const raised: { kind: string; runId?: string }[] = [];
  // the per-run budget checks read the store; no run is found, so they end at once
  const store = { scope: () => ({ runs: { get: async () => undefined } }) } as unknown as Store;
  const alerts = {
    raiseQuietly: (a: { kind: string; runId?: string }) => raised.push(a),
    idle: async () => {},
  } as unknown as AlertService;
  const watcher = () =>
    new RunWatcher(store, {} as WorkflowService, alerts, systemClock, () => {}, {
      ...defaultWatchOptions,
      maxRepeatKeys: 50,
    });
  const call = (w: RunWatcher, runId: string, hash: string) =>
    w.onToolCall({
      tenantId: "t",
      workspaceId: "ws",
      runId,
      tool: "tracker.search_issues",
      argsHash: hash,
      outcome: "succeeded",
    });

  it("forgets the runs seen longest ago once many runs made many distinct calls", async () => {
    const w = watcher();
    for (let run = 0; run < 200; run++) for (let i = 0; i < 10; i++) call(w, `run_${run}`, `h${i}`);
    expect(w.rememberedCalls).toBeLessThanOrEqual(50);
    expect(w.rememberedCalls).toBeGreaterThan(40);
    // the latest run is still watched: its third identical call alerts
    raised.length = 0;
    call(w, "run_199", "h9");
    call(w, "run_199", "h9");
    expect(raised).toMatchObject([{ kind: "repeated_call", runId: "run_199" }]);
    await w.idle();
  });

  it("bounds one long run by the same limit, its oldest calls first", async () => {
    const w = watcher();
    for (let i = 0; i < 500; i++) call(w, "long", `h${i}`);
    expect(w.rememberedCalls).toBe(50);
    raised.length = 0;
    call(w, "long", "h499");
    call(w, "long", "h499");
    expect(raised).toMatchObject([{ kind: "repeated_call", runId: "long" }]);
    await w.idle();
  });
});

/**
 * A watcher over one running run whose workflow's last ended runs come from `recentEnded`; the
 * store and services are stand-ins, the watcher is the real one.
 */
function watcherOfOneRun(recentEnded: () => Promise<unknown[]>) {
  const run = {
    id: "run_1",
    tenantId: "t",
    workspaceId: "ws",
    workflow: "wf",
    toolCalls: 1,
    modelCalls: 0,
    costUsd: 0,
  };
  const store = {
    scope: () => ({ modelConfig: { settings: async () => undefined }, runs: { get: async () => run, recentEnded } }),
  } as unknown as Store;
  const workflows = { compiledVersion: async () => ({ budgets: {} }) } as unknown as WorkflowService;
  const alerts = { raiseQuietly: () => {}, raise: async () => {}, idle: async () => {} } as unknown as AlertService;
  const failures: unknown[] = [];
  const watcher = new RunWatcher(store, workflows, alerts, systemClock, (_, e) => failures.push(e));
  const seen = { tenantId: "t", workspaceId: "ws", runId: "run_1", name: "gpt", outcome: "succeeded" };
  return { watcher, failures, modelCall: (requestHash: string) => watcher.modelCall({ ...seen, requestHash }) };
}

/** A workflow's recent normal is read once, not at every check, and again when a run ends. */
describe("RunWatcher normal", () => {
  it("reads a workflow's last ended runs once for many checks, and again after a run ended", async () => {
    let reads = 0;
    const {
      watcher: w,
      failures,
      modelCall,
    } = watcherOfOneRun(async () => {
      reads++;
      return [];
    });
    for (let i = 0; i < 20; i++) {
      modelCall(`h${i}`); // every model call checks its run
      await w.idle();
    }
    expect(reads).toBe(1);
    w.onRunEnded({ tenantId: "t", workspaceId: "ws", workflow: "wf" });
    modelCall("last");
    await w.idle();
    expect(reads).toBe(2);
    expect(failures).toEqual([]);
  });

  it("does not keep a normal whose read overlapped a run's end (it may miss that run)", async () => {
    let reads = 0;
    let release: () => void = () => {};
    const { watcher: w, modelCall } = watcherOfOneRun(() => {
      reads++;
      return new Promise((resolve) => {
        release = () => resolve([]);
      });
    });
    modelCall("a");
    while (reads === 0) await new Promise((r) => setImmediate(r));
    w.onRunEnded({ tenantId: "t", workspaceId: "ws", workflow: "wf" }); // while the normal is being read
    release();
    await w.idle();
    modelCall("b");
    for (let i = 0; i < 50 && reads === 1; i++) await new Promise((r) => setImmediate(r));
    release();
    await w.idle();
    expect(reads).toBe(2); // read again: the overlapped read was not kept
  });
});
