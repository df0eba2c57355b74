// How the bench times calls: percentiles over every call, and the direct baseline measured in
// blocks alternating with the governed calls, so both see the same moments of a shared machine.

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(samples, seconds) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    throughput: s.length / seconds,
  };
}

/**
 * Runs `fn` n times from `parallel` callers; a call's sample is the number `fn` resolves to (a
 * time to first byte, say) or else its duration in milliseconds. Adds to `into` when given.
 */
async function collect(n, parallel, fn, into = { samples: [], seconds: 0 }) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        next++;
        const t0 = performance.now();
        const sample = await fn();
        into.samples.push(typeof sample === "number" ? sample : performance.now() - t0);
      }
    }),
  );
  into.seconds += (performance.now() - started) / 1000;
  return into;
}

/** p50, p99, mean and calls per second of n calls. */
export async function timeCalls(n, parallel, fn) {
  const { samples, seconds } = await collect(n, parallel, fn);
  return stats(samples, seconds);
}

/**
 * n direct and n governed calls in alternating blocks of `block` (direct first), each side's
 * figures from its own calls only. A machine that slows down for a while slows both sides, where
 * measuring all direct calls and then all governed ones charged the slow moment to one of them.
 * `around` (optional) is called before and after every governed block: it returns a function
 * that ends the reading (the CPU each process used, say), so a reading covers governed calls only.
 */
export async function pairedCalls(n, parallel, direct, governed, { block = 250, around } = {}) {
  const d = { samples: [], seconds: 0 };
  const g = { samples: [], seconds: 0 };
  for (let done = 0; done < n; done += block) {
    const size = Math.min(block, n - done);
    await collect(size, parallel, direct, d);
    const end = around?.();
    await collect(size, parallel, governed, g);
    end?.();
  }
  const ds = stats(d.samples, d.seconds);
  const gs = stats(g.samples, g.seconds);
  return { direct: ds, governed: gs, added: { p50: gs.p50 - ds.p50, p99: gs.p99 - ds.p99 } };
}

/**
 * One of the server's histograms (GET /metrics): sum and count by the value of its one label
 * (a stage, a kind of garbage collection), or under "" when it has no label.
 */
export async function histogramTotals(pool, metric = "tollgate_call_stage_seconds") {
  const r = await pool.request({ method: "GET", path: "/metrics" });
  const text = await r.body.text();
  const totals = {};
  for (const m of text.matchAll(new RegExp(`^${metric}_(sum|count)(?:\\{\\w+="(\\w+)"\\})? (\\S+)$`, "gm"))) {
    const key = m[2] ?? "";
    totals[key] ??= { sum: 0, count: 0 };
    totals[key][m[1]] = Number(m[3]);
  }
  return totals;
}

/** How many observations each label value had between two readings, and their mean in ms. */
export function observationsBetween(before, after) {
  const out = {};
  for (const [key, a] of Object.entries(after)) {
    const b = before[key] ?? { sum: 0, count: 0 };
    const count = a.count - b.count;
    if (count > 0) out[key] = { count, meanMs: ((a.sum - b.sum) / count) * 1000 };
  }
  return out;
}

/** Mean milliseconds per call in each stage between two readings of a stage histogram. */
export function stageMeans(before, after) {
  return Object.fromEntries(Object.entries(observationsBetween(before, after)).map(([k, v]) => [k, v.meanMs]));
}
