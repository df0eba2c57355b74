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
