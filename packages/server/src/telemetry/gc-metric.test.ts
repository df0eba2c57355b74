import { PerformanceObserver } from "node:perf_hooks";
import { collectDefaultMetrics, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { observeGarbageCollections } from "./gc-metric.js";

/** Collections counted by the histogram, all kinds together. */
async function counted(registry: Registry): Promise<number> {
  const metric = await registry.getSingleMetric("nodejs_gc_duration_seconds")?.get();
  return (metric?.values ?? [])
    .filter((v) => v.metricName === "nodejs_gc_duration_seconds_count")
    .reduce((sum, v) => sum + v.value, 0);
}

describe("the garbage collection metric", () => {
  it("counts every collection, also several that happen between two turns of the event loop", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const stop = observeGarbageCollections(registry);
    let seen = 0;
    const witness = new PerformanceObserver((list) => {
      seen += list.getEntries().length;
    });
    witness.observe({ entryTypes: ["gc"] });
    const before = await counted(registry);
    // young collections, many of them, without yielding: their entries arrive in one batch
    let keep: unknown[] = [];
    for (let i = 0; i < 2_000_000; i++) {
      keep.push({ i, s: `x${i}` });
      if (keep.length > 10_000) keep = [];
    }
    await new Promise((r) => setTimeout(r, 50));
    witness.disconnect();
    stop();
    expect(seen).toBeGreaterThan(1);
    expect((await counted(registry)) - before).toBe(seen);
  });
});
