import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AuditEventBody, type ChainedAuditEvent, chainHash, genesisHash } from "@tollgate/core";
import { describe, expect, it } from "vitest";
import { cefEvent } from "../src/audit/formats/cef.js";
import type { ExportEvent } from "../src/audit/formats/index.js";
import { nativeEvent } from "../src/audit/formats/native.js";
import { ocsfEvent } from "../src/audit/formats/ocsf.js";
import { octetCounted, syslogMessage } from "../src/audit/formats/syslog.js";

const fixtures = join(import.meta.dirname, "fixtures");

/** Compares with test/fixtures/<name>.golden; UPDATE_GOLDEN=1 rewrites the file (review the diff). */
function golden(name: string, actual: string): void {
  const file = join(fixtures, `${name}.golden`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

function chained(bodies: Omit<AuditEventBody, "seq">[]): ChainedAuditEvent[] {
  let prev = genesisHash;
  return bodies.map((b, i) => {
    const body = { ...b, seq: i + 1 };
    const hash = chainHash(prev, body);
    const e = { ...body, prevHash: prev, hash };
    prev = hash;
    return e;
  });
}

const [blocked, completed, secretSet] = chained([
  {
    id: "evt_01jd5v8h9k0000000000000001",
    ts: "2026-03-01T10:00:00.125Z",
    type: "tool_call.decided",
    workspace: "support",
    run: "run_01jd5v8h9k0000000000000001",
    call: "call_01jd5v8h9k0000000000000001",
    actor: "key_agent1",
    data: {
      tool: "tracker.create_issue",
      class: "WRITE",
      args: { project: "SEC", title: 'a | pipe = equals \\ backslash\nnewline ] bracket "quote"' },
      decision: "block",
      rules: ["never-touch-security-project"],
      reason: "Security project is off limits",
    },
  },
  {
    id: "evt_01jd5v8h9k0000000000000002",
    ts: "2026-03-01T10:00:01.500Z",
    type: "tool_call.completed",
    workspace: "support",
    run: "run_01jd5v8h9k0000000000000001",
    call: "call_01jd5v8h9k0000000000000002",
    actor: null,
    data: { tool: "helpdesk.get_ticket", status: "succeeded", attempts: 1, durationMs: 12 },
  },
  {
    id: "evt_01jd5v8h9k0000000000000003",
    ts: "2026-03-01T10:00:02.000Z",
    type: "secret.set",
    workspace: "support",
    run: null,
    call: null,
    actor: "key_admin1",
    data: { name: "helpdesk-token" },
  },
]) as [ChainedAuditEvent, ChainedAuditEvent, ChainedAuditEvent];

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const sample: ExportEvent[] = [
  { tenant: "acme", event: blocked, traceId },
  { tenant: "acme", event: completed, traceId },
  { tenant: "acme", event: secretSet, traceId: null },
];

describe("audit export formats (golden files)", () => {
  it("native JSON", () => {
    golden("native", `${sample.map((x) => JSON.stringify(nativeEvent(x), null, 2)).join("\n")}\n`);
  });

  it("OCSF API Activity", () => {
    golden("ocsf", `${sample.map((x) => JSON.stringify(ocsfEvent(x), null, 2)).join("\n")}\n`);
  });

  it("CEF, with header and extension escaping", () => {
    golden("cef", `${sample.map(cefEvent).join("\n")}\n`);
  });

  it("syslog RFC 5424 with structured data, octet-counted", () => {
    const lines = sample.map((x) => syslogMessage(x, cefEvent(x), { hostname: "tollgate-1" }));
    golden("syslog", `${lines.join("\n")}\n`);
    const frame = octetCounted(lines[0]!).toString("utf8");
    expect(frame).toBe(`${Buffer.byteLength(lines[0]!)} ${lines[0]}`);
  });
});

/**
 * The required attributes of OCSF 1.3.0 API Activity (class 6003): those of the base event
 * (activity_id, category_uid, class_uid, metadata with product and version, severity_id, time,
 * type_uid) and the class's own (actor, api with operation, src_endpoint).
 */
function ocsfProblems(e: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const need = (cond: boolean, what: string) => cond || problems.push(what);
  const int = (v: unknown) => Number.isInteger(v);
  need(e.class_uid === 6003, "class_uid is 6003");
  need(e.category_uid === 6, "category_uid is 6");
  need([0, 1, 2, 3, 4, 99].includes(e.activity_id as number), "activity_id is a known API Activity id");
  need(e.type_uid === 600300 + (e.activity_id as number), "type_uid is class_uid * 100 + activity_id");
  need(int(e.time) && (e.time as number) > 1e12, "time is epoch milliseconds");
  need([0, 1, 2, 3, 4, 5, 6, 99].includes(e.severity_id as number), "severity_id is known");
  need([0, 1, 2, 99].includes(e.status_id as number), "status_id is known");
  const m = e.metadata as Record<string, unknown> | undefined;
  need(typeof m?.version === "string", "metadata.version");
  need(typeof m?.uid === "string", "metadata.uid");
  const product = m?.product as Record<string, unknown> | undefined;
  need(typeof product?.vendor_name === "string" && typeof product?.name === "string", "metadata.product");
  const actor = e.actor as Record<string, unknown> | undefined;
  need(actor !== undefined && (actor.user !== undefined || actor.app_name !== undefined), "actor with user or app");
  const api = e.api as Record<string, unknown> | undefined;
  need(typeof api?.operation === "string" && (api.operation as string).length > 0, "api.operation");
  const src = e.src_endpoint as Record<string, unknown> | undefined;
  need(
    src !== undefined && ["uid", "name", "ip", "hostname", "svc_name"].some((k) => typeof src[k] === "string"),
    "src_endpoint names the source",
  );
  const unmapped = e.unmapped as Record<string, unknown> | undefined;
  need(
    unmapped !== undefined && "run_id" in unmapped && "trace_id" in unmapped,
    "unmapped carries the run and trace ids",
  );
  return problems;
}

describe("OCSF mapping", () => {
  it("fills every required field of API Activity, for every kind of event", () => {
    for (const x of sample) expect(ocsfProblems(ocsfEvent(x)), x.event.type).toEqual([]);
  });

  it("maps decision and class to status and activity", () => {
    const b = ocsfEvent(sample[0]!);
    expect(b).toMatchObject({
      activity_id: 3,
      status_id: 2,
      status_detail: "Security project is off limits",
      api: { operation: "tracker.create_issue" },
    });
    expect(b.unmapped).toMatchObject({ run_id: blocked.run, trace_id: traceId, decision: "block" });
    expect(ocsfEvent(sample[1]!)).toMatchObject({ status_id: 1, metadata: { uid: completed.id } });
  });
});
