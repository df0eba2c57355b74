// In-process figures of the pure parts of the hot path (scenarios 4 and 5 of `npm run bench`):
// policy decision time by rule count, redaction time by payload size, audit events per second.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileWorkflow, createRedactor, decide, loadManifest } from "../packages/core/dist/index.js";
import pg from "pg";
import { openStore } from "../packages/store/dist/index.js";
import { timeCalls } from "./measure.js";

function perOp(fn, ops) {
  for (let i = 0; i < Math.min(2000, ops); i++) fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / 1000 / ops;
}

function manifestWithRules(n) {
  const rules = [];
  for (let i = 0; i < n; i++) {
    const match = i % 3 === 0 ? "api.read" : i % 3 === 1 ? "api.*" : "*.write";
    const when = i % 2 === 0 ? `\n      when: 'has(args.n) && args.n == ${i}'` : "";
    rules.push(
      `    - name: rule-${i}\n      match: "${match}"${when}\n      effect: ${i % 5 === 0 ? "block" : "approve"}`,
    );
  }
  return `apiVersion: tollgate/v1
kind: Workflow
name: bench-policy
description: policy decision benchmark
owner: bench@example.com
start: s
end: e
systems:
  api:
    connector: { type: http, baseUrl: "http://127.0.0.1:1" }
    actions:
      read: { class: READ, http: { method: GET, path: /r } }
      write: { class: WRITE, http: { method: POST, path: /w } }
policy:
  rules:
${rules.join("\n")}
`;
}

function policyFigures() {
  return [10, 100, 1000].map((n) => {
    const { manifest, version } = loadManifest(manifestWithRules(n));
    const wf = compileWorkflow(manifest, version);
    const input = {
      tool: { system: "api", action: "read", class: "READ" },
      args: { n: -1, q: "x" },
      run: {},
      usage: {},
      now: new Date(),
    };
    const us = perOp(() => decide(wf, input), n >= 1000 ? 5000 : 50_000);
    return {
      name: `policy decision, ${n} rules (a third match the action, half of those with a condition)`,
      value: us,
      unit: "µs",
      target: n === 100 ? "≤ 20 µs" : "",
    };
  });
}

function redactionFigures() {
  const redactor = createRedactor({ kinds: ["secrets", "pii.email", "pii.card"] });
  const prose = "The customer reports that the export of the orders report is missing the region column again. ";
  const clean = (bytes) => prose.repeat(Math.ceil(bytes / prose.length)).slice(0, bytes);
  const dirty = (bytes) => {
    const base = clean(bytes - 120);
    return `${base} token=ghp_${"Zq9".repeat(12)} mail dana@example.com card 4111 1111 1111 1111`;
  };
  const rows = [];
  for (const [label, bytes] of [
    ["1 KB", 1024],
    ["16 KB", 16 * 1024],
  ]) {
    for (const [kind, text] of [
      ["clean", clean(bytes)],
      ["with secrets and PII", dirty(bytes)],
    ]) {
      const value = { ticket: { body: text, subject: "Export" } };
      const us = perOp(() => redactor.value(value, "result"), bytes > 2000 ? 2000 : 20_000);
      rows.push({ name: `redaction of a ${label} result, ${kind}`, value: us, unit: "µs", target: "" });
    }
  }
  return rows;
}

async function auditFigures(label, open) {
  const { store, done } = await open();
  try {
    await store.createTenant({ id: "bench", name: null, wrappedKey: "-", createdAt: new Date().toISOString() });
    // One event per transaction, each caller waiting for its own durable commit; with many writers
    // at once, a server's calls (on SQLite, group commit lets them share COMMITs; on PostgreSQL a
    // tenant's; nothing is acknowledged before it).
    let i = 0;
    const appendOne = () =>
      store.transaction("bench", (s) =>
        s.audit.append(
          [{ type: "bench.event", workspace: "w", data: { i: i++, note: "a governed call's event" } }],
          new Date().toISOString(),
        ),
      );
    const perTransaction = async (n, writers) => (await timeCalls(n, writers, appendOne)).throughput;
    const batched = async (batches, size) => {
      const t0 = performance.now();
      for (let b = 0; b < batches; b++) {
        const events = Array.from({ length: size }, (_, i) => ({
          type: "bench.event",
          workspace: "w",
          data: { i, note: "a governed call's event" },
        }));
        await store.transaction("bench", (s) => s.audit.append(events, new Date().toISOString()));
      }
      return (batches * size) / ((performance.now() - t0) / 1000);
    };
    return [
      {
        name: `audit events/s into ${label}, one event per transaction`,
        value: await perTransaction(3000, 1),
        unit: "events/s",
        target: "≥ 25,000",
      },
      {
        name: `audit events/s into ${label}, one event per transaction, 64 writers at once`,
        value: await perTransaction(20_000, 64),
        unit: "events/s",
        target: "≥ 25,000",
      },
      {
        name: `audit events/s into ${label}, 100 events per transaction`,
        value: await batched(100, 100),
        unit: "events/s",
        target: "≥ 25,000",
      },
    ];
  } finally {
    await done();
  }
}

export async function microFigures() {
  const rows = [...policyFigures(), ...redactionFigures()];
  const dir = mkdtempSync(join(tmpdir(), "tollgate-bench-audit-"));
  rows.push(
    ...(await auditFigures("SQLite (WAL, synchronous=NORMAL)", async () => {
      const store = await openStore({ dataDir: dir });
      return {
        store,
        done: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    })),
  );
  const pgUrl = process.env.TOLLGATE_BENCH_DATABASE_URL;
  if (pgUrl) {
    // as a deployment should run (a role of its own, which row-level security binds), and as the
    // URL's user (a superuser on the test machines: the policies are passed), to show what they cost
    for (const [label, withRole] of [
      ["PostgreSQL (serving role: row-level security on)", true],
      ["PostgreSQL (superuser: row-level security passed)", false],
    ]) {
      const schema = `tollgate_bench_${randomBytes(4).toString("hex")}`;
      const role = `${schema}_app`;
      if (withRole) await asAdmin(pgUrl, `CREATE ROLE ${role} NOLOGIN`);
      rows.push(
        ...(await auditFigures(label, async () => {
          const store = await openStore({ databaseUrl: pgUrl, schema, ...(withRole ? { databaseRole: role } : {}) });
          return {
            store,
            done: async () => {
              await store.close();
              await asAdmin(pgUrl, `DROP SCHEMA ${schema} CASCADE`);
              if (withRole) await asAdmin(pgUrl, `DROP ROLE ${role}`);
            },
          };
        })),
      );
    }
  }
  return rows;
}

/** One statement as the database URL's own user. */
async function asAdmin(url, statement) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
