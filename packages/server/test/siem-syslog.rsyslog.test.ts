import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness, Workspace } from "./harness.js";
import { eventually } from "./receivers/http.js";
import { type Rsyslog, startRsyslog } from "./receivers/rsyslog.js";
import { startSiemHarness } from "./siem-support.js";

// Needs Debian's rsyslog and rsyslog-gnutls (`.ci/run` installs them): `npm run test:siem`.
let h: Harness;
let ws: Workspace;
let rsyslog: Rsyslog;
let turn: () => Promise<unknown>;
let events: Awaited<ReturnType<typeof startSiemHarness>>["events"];
let sink: Awaited<ReturnType<typeof startSiemHarness>>["sink"];
let someCalls: () => Promise<void>;

beforeAll(async () => {
  ({ h, ws, turn, events, sink, someCalls } = await startSiemHarness());
  rsyslog = await startRsyslog();
});
afterAll(async () => {
  await h?.close();
  await rsyslog?.stop();
});

describe("syslog delivery to a real rsyslogd", () => {
  it("delivers every event to rsyslog over TCP (CEF) and TLS (native JSON), framed by octet count, ids in structured data", async () => {
    await ws.admin.putSink("support", "rsyslog-tcp", {
      kind: "syslog",
      host: "127.0.0.1",
      port: rsyslog.tcpPort,
      format: "cef",
    });
    await ws.admin.putSink("support", "rsyslog-tls", {
      kind: "syslog",
      host: "127.0.0.1",
      port: rsyslog.tlsPort,
      tls: true,
      ca: rsyslog.ca,
    });
    await someCalls();
    await turn();
    const all = await events();
    expect(
      await eventually(() => rsyslog.tcpLines().length >= all.length && rsyslog.tlsLines().length >= all.length),
    ).toBe(true);

    const parse = (line: string) => {
      const [msgid, sd, ...rest] = line.split("|");
      return {
        msgid,
        id: /\bid="([^"]+)"/.exec(sd!)?.[1],
        run: /\brun="([^"]+)"/.exec(sd!)?.[1],
        trace: /\btrace="([^"]+)"/.exec(sd!)?.[1],
        msg: rest.join("|"),
      };
    };
    const tcp = rsyslog.tcpLines().map(parse);
    const tls = rsyslog.tlsLines().map(parse);
    expect(tcp.map((l) => l.id)).toEqual(all.map((e) => e.id));
    expect(tls.map((l) => l.id)).toEqual(all.map((e) => e.id));
    expect(tcp.map((l) => l.msgid)).toEqual(all.map((e) => e.type));
    expect(tcp.every((l) => l.msg.startsWith("CEF:0|Tollgate|Tollgate|"))).toBe(true);
    const decided = all.find((e) => e.type === "tool_call.decided")!;
    const runRecord = await ws.agent.getRun(decided.run!);
    expect(tcp.find((l) => l.id === decided.id)).toMatchObject({ run: decided.run, trace: runRecord.traceId });
    const native = JSON.parse(tls.find((l) => l.id === decided.id)!.msg);
    expect(native).toMatchObject({
      schema: "tollgate.audit.v1",
      id: decided.id,
      seq: decided.seq,
      hash: decided.hash,
      tenant: "acme",
    });

    const status = await sink("rsyslog-tls");
    expect(status).toMatchObject({
      kind: "syslog",
      format: "native",
      target: `tls://127.0.0.1:${rsyslog.tlsPort}`,
      lagEvents: 0,
      failures: 0,
    });
    expect(status.cursor).toBe(all[all.length - 1]!.seq);

    await ws.admin.testSink("support", "rsyslog-tcp");
    expect(await eventually(() => rsyslog.tcpLines().some((l) => l.startsWith("audit_sink.test|")))).toBe(true);
  });
});
