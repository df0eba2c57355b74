import { createHmac } from "node:crypto";
import { TollgateClient } from "@tollgate/sdk";
import { verifyExport } from "@tollgate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, problemOf, type Workspace } from "./harness.js";
import { type HttpReceiver, startHttpReceiver } from "./receivers/http.js";
import { clock, minutes, startSiemHarness } from "./siem-support.js";

// Syslog delivery to a real rsyslogd is in siem-syslog.rsyslog.test.ts (npm run test:siem).
let h: Harness;
let ws: Workspace;
let hec: HttpReceiver;
let hook: HttpReceiver;
let turn: () => Promise<unknown>;
let events: Awaited<ReturnType<typeof startSiemHarness>>["events"];
let sink: Awaited<ReturnType<typeof startSiemHarness>>["sink"];
let someCalls: () => Promise<void>;

beforeAll(async () => {
  ({ h, ws, turn, events, sink, someCalls } = await startSiemHarness());
  [hec, hook] = await Promise.all([startHttpReceiver(), startHttpReceiver()]);
});
afterAll(async () => {
  await h?.close();
  await Promise.all([hec?.close(), hook?.close()]);
});

describe("SIEM sinks", () => {
  it("posts HEC events with the Splunk token, in batches of the configured size, as OCSF", async () => {
    await ws.admin.putSecret("support", "hec-token", "hec-0f1e2d3c");
    await ws.admin.putSink("support", "splunk", {
      kind: "hec",
      url: `${hec.url}/services/collector/event`,
      tokenSecret: "hec-token",
      format: "ocsf",
      batchSize: 2,
    });
    await turn();
    const all = await events();
    const { cursor } = await sink("splunk");
    const expected = all.filter((e) => e.seq <= cursor);
    expect(hec.received.length).toBe(Math.ceil(expected.length / 2));
    const got = hec.received.flatMap((r) => {
      expect(r.path).toBe("/services/collector/event");
      expect(r.headers.authorization).toBe("Splunk hec-0f1e2d3c");
      const lines = r.body.split("\n").map((l) => JSON.parse(l));
      expect(lines.length).toBeLessThanOrEqual(2);
      return lines;
    });
    for (const g of got) {
      expect(g).toMatchObject({
        source: "tollgate",
        sourcetype: "tollgate:ocsf",
        host: expect.any(String),
        time: expect.any(Number),
        fields: { tenant: "acme", workspace: "support" },
      });
      expect(g.event).toMatchObject({ class_uid: 6003, category_uid: 6, metadata: { product: { name: "Tollgate" } } });
    }
    expect(got.map((g) => g.event.metadata.uid)).toEqual(expected.map((e) => e.id));
    // the token is never shown back
    expect(JSON.stringify(await ws.admin.listSinks("support"))).not.toContain("hec-0f1e2d3c");
    expect(JSON.stringify(all)).not.toContain("hec-0f1e2d3c");
  });

  it("signs webhook batches; a sink taken down and brought back loses nothing, duplicates only by stable id, and raises an alert", async () => {
    const key = "whsec-5a4b3c2d1e";
    await ws.admin.putSecret("support", "webhook-key", key);
    await ws.admin.putSink("support", "hook", {
      kind: "webhook",
      url: `${hook.url}/tollgate`,
      secretRef: "webhook-key",
      batchSize: 3,
    });
    await turn();
    expect(hook.received.length).toBeGreaterThan(0);

    await hook.down();
    await someCalls(); // calls never wait for sinks
    await turn();
    let s = await sink("hook");
    expect(s.failures).toBe(1);
    expect(s.lastError).toMatch(/ECONNREFUSED/);
    expect(s.lagEvents).toBeGreaterThan(0);
    expect((await sink("splunk")).failures).toBe(0);
    await turn(); // not due yet: backing off
    expect((await sink("hook")).failures).toBe(1);

    clock.offset += minutes(10);
    await turn();
    s = await sink("hook");
    expect(s).toMatchObject({ failures: 2, alerting: true });
    const raised = (await events()).filter((e) => e.type === "alert.raised");
    expect(raised).toHaveLength(1);
    expect(raised[0]!.data).toMatchObject({ kind: "audit_sink", subject: "hook", failures: 2 });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain(
      'tollgate_audit_sink_consecutive_failures{tenant="acme",workspace="support",sink="hook"} 2',
    );
    expect(metrics).toMatch(/tollgate_audit_sink_lag_events\{tenant="acme",workspace="support",sink="hook"\} [1-9]/);

    // back up, but the first batch is answered 500 after the receiver read it: redelivered, same ids
    await hook.up();
    let first = true;
    hook.answer = () => {
      const status = first ? 500 : 200;
      first = false;
      return status;
    };
    clock.offset += minutes(10);
    await turn();
    expect((await sink("hook")).failures).toBe(3);
    clock.offset += minutes(30);
    await turn();
    s = await sink("hook");
    expect(s).toMatchObject({ failures: 0, alerting: false });

    const all = await events();
    const expected = all.filter((e) => e.seq <= s.cursor).map((e) => e.id);
    const seen: string[] = [];
    for (const r of hook.received) {
      const ts = String(r.headers["x-tollgate-timestamp"]);
      const wanted = `v1=${createHmac("sha256", key).update(`${ts}.${r.body}`).digest("hex")}`;
      expect(r.headers["x-tollgate-signature"]).toBe(wanted);
      expect(r.headers["content-type"]).toBe("application/x-ndjson");
      const ids = r.body
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id as string);
      seen.push(...ids);
    }
    // nothing lost, in order; the only repeats are the batch answered 500, with the same ids
    expect([...new Set(seen)]).toEqual(expected);
    const dupes = seen.filter((id, i) => seen.indexOf(id) !== i);
    expect(dupes.length).toBeGreaterThan(0);
    expect(hook.received.filter((r) => r.status === 500)).toHaveLength(1);
    expect(dupes.length).toBeLessThanOrEqual(3);
    expect((await events()).some((e) => e.type === "alert.resolved" && e.data.subject === "hook")).toBe(true);
  });

  it("refuses bad sink definitions with the field named, and keeps sinks to their workspace", async () => {
    const bad = async (body: unknown) => problemOf(ws.admin.request("PUT", "/v1/workspaces/support/sinks/x", body));
    expect((await bad({ kind: "kafka", host: "h" })).status).toBe(400);
    expect((await bad({ kind: "syslog", host: "127.0.0.1" })).detail).toContain("body.port");
    expect(
      (await bad({ kind: "syslog", host: "127.0.0.1", port: 514, ca: "-----BEGIN CERTIFICATE-----" })).detail,
    ).toContain("ca is only used with tls");
    expect((await bad({ kind: "hec", url: "ftp://x", tokenSecret: "t" })).detail).toContain("body.url");
    const missing = await bad({ kind: "hec", url: "http://127.0.0.1:9/x", tokenSecret: "no-such-secret" });
    expect(missing).toMatchObject({ status: 400, code: "invalid_request" });
    expect(missing.detail).toContain("no-such-secret");
    expect(
      (
        await problemOf(
          ws.admin.request("PUT", "/v1/workspaces/support/sinks/Bad_Name", { kind: "syslog", host: "h", port: 1 }),
        )
      ).detail,
    ).toContain("name");

    expect((await problemOf(ws.auditor.putSink("support", "x", { kind: "syslog", host: "h", port: 1 }))).status).toBe(
      403,
    );
    expect((await ws.auditor.listSinks("support")).items.length).toBeGreaterThan(0);
    expect((await problemOf(ws.admin.removeSink("support", "nope"))).status).toBe(404);

    const other = await h.workspace("globex", "gx-ops");
    expect((await problemOf(other.admin.listSinks("support"))).status).toBe(404);
    expect((await problemOf(other.admin.removeSink("support", "hook"))).status).toBe(404);
    expect((await problemOf(other.admin.testSink("support", "hook"))).status).toBe(404);

    await hook.down();
    const failed = await problemOf(ws.admin.testSink("support", "hook"));
    expect(failed).toMatchObject({ status: 502, code: "upstream_failed" });
    expect(failed.detail).toContain("hook");
    await hook.up();

    await ws.admin.removeSink("support", "splunk");
    expect((await ws.admin.listSinks("support")).items.map((x) => x.name)).not.toContain("splunk");
    const changes = (await events()).filter((e) => e.type.startsWith("audit_sink."));
    expect(changes.map((e) => e.type)).toContain("audit_sink.removed");
    expect(JSON.stringify(changes)).not.toContain("whsec");
  });
});

describe("verifiable export", () => {
  let file: string;
  let publicKey: string;

  beforeAll(async () => {
    // another workspace of the same tenant: its rows are in the chain but not in support's export
    await h.operator.createWorkspace("acme", "billing");
    const billing = new TollgateClient({
      url: h.url,
      key: (await h.operator.createKey("billing", "billing-admin", "admin")).key,
    });
    await billing.putSecret("billing", "ledger-token", "ledger-secret-value");
    await someCalls();
    await turn(); // signs checkpoints every 5 events
    file = await ws.auditor.exportAudit("support");
    publicKey = (await ws.auditor.auditPublicKey("support")).publicKey;
  });

  const rows = () => file.trim().split("\n");
  const kindAt = (i: number) => JSON.parse(rows()[i]!).kind as string;
  const eventLines = () =>
    rows()
      .map((l, i) => ({ i, row: JSON.parse(l) }))
      .filter((x) => x.row.kind === "event");

  it("holds the workspace's events, other workspaces' rows as digests only, and signed checkpoints", async () => {
    const header = JSON.parse(rows()[0]!);
    expect(header).toMatchObject({
      kind: "header",
      format: "tollgate.audit-export.v1",
      tenant: "acme",
      workspace: "support",
      publicKey: { algorithm: "Ed25519", pem: publicKey },
    });
    expect(eventLines().map((x) => x.row.id)).toEqual(
      (await events()).filter((e) => e.seq <= eventLines().at(-1)!.row.seq).map((e) => e.id),
    );
    expect(rows().some((l) => JSON.parse(l).kind === "elided")).toBe(true);
    expect(file).not.toContain("billing");
    expect(rows().filter((l) => JSON.parse(l).kind === "checkpoint").length).toBeGreaterThan(1);
    expect(kindAt(rows().length - 1)).toBe("checkpoint");
    expect(verifyExport(file, publicKey)).toMatchObject({ ok: true, events: eventLines().length });
  });

  it("names the first row changed, removed or reordered", () => {
    const lines = rows();
    // an event row followed by another chain row (not by a checkpoint)
    const target = eventLines().find((x, n) => n >= 4 && ["event", "elided"].includes(kindAt(x.i + 1)))!;

    const changed = [...lines];
    changed[target.i] = JSON.stringify({ ...target.row, data: { ...target.row.data, tool: "chat.post_message" } });
    expect(verifyExport(changed.join("\n"), publicKey)).toMatchObject({
      ok: false,
      firstBadSeq: target.row.seq,
      line: target.i + 1,
    });
    expect(verifyExport(changed.join("\n"), publicKey).problem).toContain(`row ${target.row.seq} was changed`);

    const removed = lines.filter((_, i) => i !== target.i);
    const r = verifyExport(removed.join("\n"), publicKey);
    expect(r).toMatchObject({ ok: false, firstBadSeq: target.row.seq });
    expect(r.problem).toContain(`row ${target.row.seq} was removed`);

    // swap two adjacent chain rows
    const j = target.i + 1;
    const reordered = [...lines];
    [reordered[target.i], reordered[j]] = [reordered[j]!, reordered[target.i]!];
    const o = verifyExport(reordered.join("\n"), publicKey);
    expect(o).toMatchObject({ ok: false, firstBadSeq: target.row.seq });
    expect(o.problem).toContain("out of order");
  });

  it("catches a rewritten chain by its signed checkpoints, and refuses another key", async () => {
    // change a row and recompute every hash after it, as someone with write access to the file could
    const { chainHash, bodyOf, linkHash } = await import("@tollgate/core");
    const lines = rows().map((l) => JSON.parse(l));
    const at = lines.findIndex((r) => r.kind === "event" && r.seq === eventLines()[2]!.row.seq);
    lines[at].data = { ...lines[at].data, note: "rewritten" };
    let prev = lines[at].prevHash;
    for (const r of lines.slice(at)) {
      if (r.kind === "checkpoint") continue;
      r.prevHash = prev;
      r.hash = r.kind === "event" ? chainHash(prev, bodyOf(r)) : linkHash(prev, r.digest);
      prev = r.hash;
    }
    const rewritten = verifyExport(lines.map((r) => JSON.stringify(r)).join("\n"), publicKey);
    expect(rewritten.ok).toBe(false);
    expect(rewritten.problem).toContain("does not match its signed checkpoint");

    const otherKey = (await (await h.workspace("initech", "in-ops")).auditor.auditPublicKey("in-ops")).publicKey;
    expect(otherKey).not.toBe(publicKey);
    expect(verifyExport(file, otherKey)).toMatchObject({
      ok: false,
      problem: expect.stringContaining("no valid signature"),
    });
    expect(verifyExport(file)).toMatchObject({
      ok: true,
      warning: expect.stringContaining("public key inside the file"),
    });
  });
});

describe("/metrics", () => {
  it("counts calls by decision and class, stage latencies, pending approvals, budget stops and sink lag", async () => {
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/tollgate_tool_calls_total\{decision="allow",class="READ"\} [1-9]/);
    expect(text).toMatch(/tollgate_tool_calls_total\{decision="block",class="DELETE"\} [1-9]/);
    for (const stage of ["policy", "intent", "upstream", "total"])
      expect(text).toContain(`tollgate_call_stage_seconds_count{stage="${stage}"}`);
    expect(text).toContain("# TYPE tollgate_approvals_pending gauge");
    expect(text).toContain("# TYPE tollgate_budget_stops gauge");
    expect(text).toContain('tollgate_audit_sink_delivered_total{tenant="acme",workspace="support",sink="splunk"}');
    expect(text).toContain('tollgate_audit_sink_lag_seconds{tenant="acme",workspace="support",sink="hook"}');
  });

  it("shows how long each restart of the embedded store's write-ahead log held queries", async () => {
    const counted = async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      const of = (what: string) =>
        Number(new RegExp(`^tollgate_sqlite_wal_restart_hold_seconds_${what} (\\S+)$`, "m").exec(text)?.[1]);
      return { count: of("count"), sum: of("sum") };
    };
    const before = await counted();
    // what the store's checkpointer tells after a restart (store/test/checkpointer.test.ts makes real ones)
    h.server.store.diagnostics.emit("walRestart", 3);
    const after = await counted();
    expect(after.count - before.count).toBe(1);
    expect(after.sum - before.sum).toBeCloseTo(0.003, 6);
  });
});
