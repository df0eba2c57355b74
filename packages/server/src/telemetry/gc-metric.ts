import { constants, PerformanceObserver } from "node:perf_hooks";
import { Histogram, type Registry } from "prom-client";

const name = "nodejs_gc_duration_seconds";

const kinds: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

/**
 * `nodejs_gc_duration_seconds{kind}` with every collection in it, in place of prom-client's
 * (15.1), which records only the first entry of each batch its PerformanceObserver is handed:
 * a process collecting several times between two turns of its event loop (a busy one) showed
 * one collection. Same name, help, kinds and buckets, so dashboards keep working. Returns a
 * function that stops observing.
 */
export function observeGarbageCollections(registry: Registry): () => void {
  registry.removeSingleMetric(name);
  const histogram = new Histogram({
    name,
    help: "Garbage collection duration by kind, one of major, minor, incremental or weakcb.",
    labelNames: ["kind"],
    buckets: [0.001, 0.01, 0.1, 1, 2, 5],
    registers: [registry],
  });
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = kinds[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? "unknown";
      histogram.observe({ kind }, entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return () => observer.disconnect();
}
