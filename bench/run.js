// `npm run bench`: governed calls against direct calls, side by side in one run, on this machine.
// The example systems and the Tollgate server run as child processes; this process is the client.
// Results: bench/results/latest.json and bench/results/latest.md.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { microFigures } from "./micro.js";
import { mcpScenarios } from "./mcp.js";
import { histogramTotals, observationsBetween, pairedCalls, stageMeans, timeCalls } from "./measure.js";
import { modelScenarios } from "./model.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const iterations = Number(process.env.BENCH_ITERATIONS ?? 3000);
// long enough for V8 to have optimised the hot paths: after 500 calls a sequential call still
// cost the server a third more CPU than after 5,000
const warmup = Number(process.env.BENCH_WARMUP ?? 2000);
const concurrency = 16;

function child(args, env, ready) {
  const p = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ process: p, match: m });
    });
    p.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${out}`)));
  });
}

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux only;
 * undefined elsewhere). Steadier than latency on a shared machine: it says what a call costs.
 */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
      .replace(/^.*\) /, "")
      .split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** What can stall the server's event loop or its queries: young-generation GCs and WAL restart holds. */
async function pauseTotals(pool) {
  return {
    gc: await histogramTotals(pool, "nodejs_gc_duration_seconds"),
    wal: await histogramTotals(pool, "tollgate_sqlite_wal_restart_hold_seconds"),
  };
}

function pausesBetween(before, after) {
  return {
    youngCollections: observationsBetween(before.gc, after.gc).minor ?? { count: 0, meanMs: 0 },
    walRestartHolds: observationsBetween(before.wal, after.wal)[""] ?? { count: 0, meanMs: 0 },
  };
}

function pausesSentence({ youngCollections: gc, walRestartHolds: wal }) {
  const each = (o) => (o.count > 0 ? `, ${o.meanMs.toFixed(2)} ms each on average` : "");
  return (
    `Meanwhile the server collected its young generation ${gc.count} times${each(gc)} (\`nodejs_gc_duration_seconds\`) ` +
    `and restarted its write-ahead log ${wal.count} times${each(wal)} (\`tollgate_sqlite_wal_restart_hold_seconds\`): ` +
    "a call that meets one waits that long (docs/performance.md, the p99 tail)."
  );
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "tollgate-bench-"));
  const systems = await child(
    ["examples/support-triage/dist/cli.js", "--port", "0"],
    {},
    /(http:\/\/127\.0\.0\.1:\d+)/,
  );
  const systemsUrl = systems.match[1];
  const adminKey = "bench-operator-key";
  // BENCH_SERVER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server process.
  const nodeOptions = process.env.BENCH_SERVER_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [];
  // BENCH_SERVER_DATABASE_URL=postgres://… (an empty database) runs the server on PostgreSQL
  const serverDatabase = process.env.BENCH_SERVER_DATABASE_URL;
  const server = await child(
    [
      ...nodeOptions,
      "packages/cli/bin/tollgate.js",
      "serve",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      ...(serverDatabase ? ["--database-url", serverDatabase] : []),
    ],
    { TOLLGATE_ADMIN_KEY: adminKey },
    /listening on (http:\/\/[^\s]+)/,
  );
  const url = server.match[1];
  let floor;
  let durableFloor;
  try {
    const { TollgateClient } = await import("../packages/sdk/dist/index.js");
    const { workflowYaml, DEFAULT_TOKENS } = await import("../examples/support-triage/dist/index.js");
    // the floor under any Node gateway: the same hops with no governance and no store (bench/floor-proxy.js)
    floor = await child(
      ["bench/floor-proxy.js", systemsUrl, DEFAULT_TOKENS.tracker],
      {},
      /listening on (http:\/\/[^\s]+)/,
    );
    // the durable floor: the same proxy committing an intent row before forwarding and an outcome after
    durableFloor = await child(
      ["bench/floor-proxy.js", systemsUrl, DEFAULT_TOKENS.tracker, join(dataDir, "durable-floor.db")],
      {},
      /listening on (http:\/\/[^\s]+)/,
    );
    const op = new TollgateClient({ url, key: adminKey });
    await op.createTenant("bench");
    await op.createWorkspace("bench", "bench");
    const admin = op.withKey((await op.createKey("bench", "bench-admin", "admin")).key);
    const agentKey = (await op.createKey("bench", "bench-agent", "agent")).key;
    for (const [system, token] of Object.entries(DEFAULT_TOKENS))
      await admin.putSecret("bench", `${system}-token`, token);
    // No tool-call cap, no loop guard and no rate limits: the bench makes thousands of calls in one run.
    const manifest = workflowYaml(systemsUrl)
      .replace(/^budgets:.*$/m, "budgets: { wallClock: 4h }")
      .replace(/^rateLimits:.*$/m, "");
    await admin.putWorkflow("bench", "support-triage", manifest);
    const agent = op.withKey(agentKey);
    const run = await agent.startRun({ workspace: "bench", workflow: "support-triage" });

    // CPU used per governed call by each process of the bench: the server, the example systems
    // (the upstream) and this client. On a 2-core machine their sum bounds calls per second.
    const cpuReadings = () => ({
      server: cpuSeconds(server.process.pid),
      systems: cpuSeconds(systems.process.pid),
      client: cpuSeconds(process.pid),
      floor: cpuSeconds(floor.process.pid),
      durableFloor: cpuSeconds(durableFloor.process.pid),
    });
    const cpuPerCall = (before, after, calls) =>
      Object.fromEntries(
        Object.keys(before).map((k) => [
          k,
          before[k] === undefined || after[k] === undefined ? undefined : ((after[k] - before[k]) / calls) * 1000,
        ]),
      );
    // readings taken around several blocks of calls, as one (before, after) pair of their sums
    const sumReadings = (pairs) => {
      const keys = Object.keys(cpuReadings());
      const total = (k) =>
        pairs.some(([b, a]) => b[k] === undefined || a[k] === undefined)
          ? undefined
          : pairs.reduce((sum, [b, a]) => sum + a[k] - b[k], 0);
      return [Object.fromEntries(keys.map((k) => [k, 0])), Object.fromEntries(keys.map((k) => [k, total(k)]))];
    };
    // every call asks something new: identical repeated calls would (rightly) raise repeat alerts
    let query = 0;
    const direct = new Pool(systemsUrl, { connections: 32 });
    const governed = new Pool(url, { connections: 32 });
    const floorPool = new Pool(floor.match[1], { connections: 32 });
    const durableFloorPool = new Pool(durableFloor.match[1], { connections: 32 });
    const directCall = async () => {
      const r = await direct.request({
        method: "GET",
        path: `/tracker/issues?q=q${query++}`,
        headers: { authorization: `Bearer ${DEFAULT_TOKENS.tracker}` },
      });
      await r.body.text();
      if (r.statusCode !== 200) throw new Error(`direct ${r.statusCode}`);
    };
    // the governed call, sent to Tollgate or to the floor proxy
    const toolCallTo = (pool, label) => async () => {
      const r = await pool.request({
        method: "POST",
        path: `/v1/runs/${run.id}/tool-calls`,
        headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" },
        body: JSON.stringify({ tool: "tracker.search_issues", args: { q: `q${query++}` } }),
      });
      const text = await r.body.text();
      if (r.statusCode !== 200) throw new Error(`${label} ${r.statusCode}: ${text}`);
    };
    const governedCall = toolCallTo(governed, "governed");
    const floorCall = toolCallTo(floorPool, "floor");
    const durableFloorCall = toolCallTo(durableFloorPool, "durable floor");
    // direct and `call` in alternating blocks, with the CPU each process used during `call`'s blocks
    const pairedWithCpu = async (parallel, call) => {
      const cpuDeltas = [];
      const around = () => {
        const start = cpuReadings();
        return () => cpuDeltas.push([start, cpuReadings()]);
      };
      const m = await pairedCalls(iterations, parallel, directCall, call, { around });
      m.governed.cpuMsPerCall = cpuPerCall(...sumReadings(cpuDeltas), iterations);
      return m;
    };

    // BENCH_ONLY=http,mcp,model,micro runs only those parts (to profile one path); the report holds what ran
    const only = process.env.BENCH_ONLY?.split(",");
    const runs = (part) => !only || only.includes(part);
    const results = {
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        store: serverDatabase ? "PostgreSQL" : "SQLite",
      },
      iterations,
      scenarios: [],
      saturation: [],
      micro: [],
    };
    if (runs("http")) {
      await timeCalls(warmup, 1, directCall);
      await timeCalls(warmup, 1, governedCall);
      await timeCalls(warmup, 1, floorCall);
      await timeCalls(warmup, 1, durableFloorCall);
    }
    for (const [label, parallel] of runs("http")
      ? [
          ["sequential", 1],
          [`${concurrency} concurrent callers`, concurrency],
        ]
      : []) {
      const before = await histogramTotals(governed);
      const pausesBefore = await pauseTotals(governed);
      const m = await pairedWithCpu(parallel, governedCall);
      const scenario = { name: `governed READ tool call (HTTP API), ${label}`, ...m };
      if (parallel === 1)
        Object.assign(scenario, {
          stages: stageMeans(before, await histogramTotals(governed)),
          pauses: pausesBetween(pausesBefore, await pauseTotals(governed)),
          stagesOf: "a sequential governed call",
          stagesMetric: "tollgate_call_stage_seconds",
          stagesNote:
            "`total` runs from the route handler to the answer; the rest of the added time is HTTP in and out of the server.",
        });
      results.scenarios.push(scenario);
    }
    // Scenario 2: governed calls per second from one server process as callers are added, until it saturates.
    for (const callers of runs("http") ? [1, 4, 16, 64] : []) {
      const calls = Math.max(iterations, callers * 50);
      const before = cpuReadings();
      const g = await timeCalls(calls, callers, governedCall);
      const cpu = cpuPerCall(before, cpuReadings(), calls);
      results.saturation.push({ callers, callsPerSecond: g.throughput, p50: g.p50, p99: g.p99, cpuMsPerCall: cpu });
    }
    // The floor: what the same hops cost a Node process that does nothing else
    if (runs("http")) {
      const m = await pairedWithCpu(1, floorCall);
      results.scenarios.push({
        name: "floor: a Node proxy that only forwards (no governance, no store), sequential",
        ...m,
      });
      const calls = Math.max(iterations, 64 * 50);
      const before = cpuReadings();
      const f = await timeCalls(calls, 64, floorCall);
      results.floor = {
        callers: 64,
        callsPerSecond: f.throughput,
        p50: f.p50,
        p99: f.p99,
        cpuMsPerCall: cpuPerCall(before, cpuReadings(), calls),
      };
      results.scenarios.push({
        name: "durable floor: the same proxy committing an intent row before forwarding and an outcome after (SQLite), sequential",
        ...(await pairedWithCpu(1, durableFloorCall)),
      });
    }
    await direct.close();
    await governed.close();
    await floorPool.close();
    await durableFloorPool.close();
    const mcpIterations = Number(process.env.BENCH_MCP_ITERATIONS ?? 1000);
    if (runs("mcp"))
      results.scenarios.push(
        ...(await mcpScenarios({ url, admin, agentKey, iterations: mcpIterations, warmup, concurrency })),
      );
    const modelIterations = Number(process.env.BENCH_MODEL_ITERATIONS ?? 2000);
    if (runs("model"))
      results.scenarios.push(
        ...(await modelScenarios({
          url,
          admin,
          agentKey,
          iterations: modelIterations,
          warmup,
          concurrency,
          child,
          serverCpu: () => cpuSeconds(server.process.pid),
        })),
      );
    if (runs("micro")) {
      process.stderr.write("micro figures (policy, redaction, audit)…\n");
      results.micro = await microFigures();
    }
    results.againstFloor = againstFloor(results);
    report(results);
  } finally {
    server.process.kill("SIGTERM");
    floor?.process.kill("SIGTERM");
    durableFloor?.process.kill("SIGTERM");
    systems.process.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The governed call beside the floor, measured in the same run: what governance itself adds, in
 * figures that move less with the machine's speed than either side alone.
 */
function againstFloor(results) {
  const sequential = results.scenarios.find((s) => s.name.endsWith("(HTTP API), sequential"));
  const floorSequential = results.scenarios.find((s) => s.name.startsWith("floor"));
  const durableSequential = results.scenarios.find((s) => s.name.startsWith("durable floor"));
  const at64 = results.saturation.find((r) => r.callers === results.floor?.callers);
  if (!sequential || !floorSequential || !at64 || !results.floor) return undefined;
  const cpu = at64.cpuMsPerCall.server;
  const floorCpu = results.floor.cpuMsPerCall.floor;
  return {
    addedP50OverFloor: sequential.added.p50 - floorSequential.added.p50,
    // what two durable commits add to a sequential call, and what the p50 target leaves after them
    ...(durableSequential
      ? {
          durableFloorAddedP50: durableSequential.added.p50,
          durableCommitsP50: durableSequential.added.p50 - floorSequential.added.p50,
          addedP50OverDurableFloor: sequential.added.p50 - durableSequential.added.p50,
          durableFloorCpuMsPerCall: durableSequential.governed.cpuMsPerCall?.durableFloor,
        }
      : {}),
    callsPerSecondShare: at64.callsPerSecond / results.floor.callsPerSecond,
    cpuPerCallRatio: cpu === undefined || floorCpu === undefined ? undefined : cpu / floorCpu,
  };
}

function report(results) {
  const ms = (v) => `${v.toFixed(3)} ms`;
  const cpuMs = (v) => (v === undefined ? "n/a" : ms(v));
  const lines = [
    `# Tollgate bench (${new Date().toISOString()})`,
    "",
    `Machine: ${results.machine.cpus} cores (${results.machine.model}), ${results.machine.memoryGiB} GiB, Node ${results.machine.node}; server store ${results.machine.store}; ${results.iterations} calls per measurement.`,
    "",
    "| scenario | direct p50 | direct p99 | governed p50 | governed p99 | added p50 | added p99 | governed calls/s |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.scenarios.map(
      (s) =>
        `| ${s.name} | ${ms(s.direct.p50)} | ${ms(s.direct.p99)} | ${ms(s.governed.p50)} | ${ms(s.governed.p99)} | ${ms(s.added.p50)} | ${ms(s.added.p99)} | ${Math.round(s.governed.throughput)} |`,
    ),
    "",
    "| concurrent callers | governed calls/s | p50 | p99 | CPU per call: server | example systems | bench client |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...results.saturation.map(
      (r) =>
        `| ${r.callers} | ${Math.round(r.callsPerSecond)} | ${ms(r.p50)} | ${ms(r.p99)} | ${cpuMs(r.cpuMsPerCall.server)} | ${cpuMs(r.cpuMsPerCall.systems)} | ${cpuMs(r.cpuMsPerCall.client)} |`,
    ),
    "",
    ...(results.floor
      ? [
          `The floor proxy (bench/floor-proxy.js: the same request in, the same upstream request out, no governance, no store) at ${results.floor.callers} callers: ${Math.round(results.floor.callsPerSecond)} calls/s, p50 ${ms(results.floor.p50)}, with ${cpuMs(results.floor.cpuMsPerCall.floor)} of its own CPU, ${cpuMs(results.floor.cpuMsPerCall.systems)} of the example systems' and ${cpuMs(results.floor.cpuMsPerCall.client)} of the client's per call. Sequentially the proxy used ${cpuMs(results.scenarios.find((s) => s.name.startsWith("floor"))?.governed.cpuMsPerCall?.floor)} of CPU per call.`,
          "",
        ]
      : []),
    ...(results.againstFloor
      ? [
          `Against the floor, in this run: a sequential governed call adds ${ms(results.againstFloor.addedP50OverFloor)} at p50 beyond what the floor adds; at ${results.floor.callers} callers the server does ${(100 * results.againstFloor.callsPerSecondShare).toFixed(0)}% of the floor's calls per second${results.againstFloor.cpuPerCallRatio === undefined ? "" : ` with ${results.againstFloor.cpuPerCallRatio.toFixed(1)} times its CPU per call`}.`,
          "",
          ...(results.againstFloor.durableFloorAddedP50 === undefined
            ? []
            : [
                `The durable floor (the same proxy with an intent row committed before forwarding and an outcome after, SQLite WAL with synchronous=NORMAL, one table) adds ${ms(results.againstFloor.durableFloorAddedP50)} at p50 sequentially, ${ms(results.againstFloor.durableCommitsP50)} more than the floor, using ${cpuMs(results.againstFloor.durableFloorCpuMsPerCall)} of CPU per call: of the 0.5 ms p50 target, ${ms(0.5 - results.againstFloor.durableFloorAddedP50)} is left for everything else a governed call does. The governed call adds ${ms(results.againstFloor.addedP50OverDurableFloor)} beyond the durable floor.`,
                "",
              ]),
        ]
      : []),
    ...results.scenarios
      .filter((s) => s.stages)
      .flatMap((s) => [
        `Where ${s.stagesOf} spends its time inside the server (mean per call, from \`${s.stagesMetric}\`): ` +
          Object.entries(s.stages)
            .map(([stage, v]) => `${stage} ${ms(v)}`)
            .join(", ") +
          `. ${s.stagesNote}` +
          (s.governed.cpuMsPerCall?.server === undefined
            ? ""
            : ` The server process used ${ms(s.governed.cpuMsPerCall.server)} of CPU (user and system, all threads) per call.`) +
          (s.pauses ? ` ${pausesSentence(s.pauses)}` : ""),
        "",
      ]),
    "| in-process figure | value | target |",
    "| --- | --- | --- |",
    ...results.micro.map(
      (m) =>
        `| ${m.name} | ${m.unit === "µs" ? `${m.value.toFixed(2)} µs` : `${Math.round(m.value).toLocaleString("en")} ${m.unit}`} | ${m.target} |`,
    ),
    "",
  ];
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, "latest.md"), lines.join("\n"));
  process.stdout.write(lines.join("\n"));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
