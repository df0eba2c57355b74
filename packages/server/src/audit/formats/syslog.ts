import { classify, type ExportEvent } from "./classify.js";

/** RFC 5424 severities by our severity; facility 13 is "log audit". */
const syslogSeverity = { info: 6, low: 5, medium: 4, high: 3 } as const;
export const syslogFacility = 13;
/** The SD-ID carries an enterprise number; 32473 is the one RFC 5612 reserves for examples and docs. */
export const structuredDataId = "tollgate@32473";

/** PARAM-VALUE escaping (RFC 5424 §6.3.3): `"`, `\` and `]` are escaped. */
const sdValue = (s: string) => s.replace(/[\\"\]]/g, (c) => `\\${c}`);
/** Header fields are printable US-ASCII without spaces; NILVALUE when empty. */
const headerField = (s: string | null | undefined, max: number) => {
  const v = (s ?? "").replace(/[^\x21-\x7e]/g, "_").slice(0, max);
  return v.length > 0 ? v : "-";
};

export interface SyslogOptions {
  hostname: string;
  appName?: string;
  procId?: string;
}

/**
 * One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`, the MSGID
 * being the event type and the structured data carrying the ids, so a collector can index them
 * without parsing the body.
 */
export function syslogMessage(x: ExportEvent, body: string, opts: SyslogOptions): string {
  const e = x.event;
  const c = classify(e);
  const pri = syslogFacility * 8 + syslogSeverity[c.severity];
  const params: [string, string | number | null][] = [
    ["id", e.id],
    ["seq", e.seq],
    ["tenant", x.tenant],
    ["workspace", e.workspace],
    ["run", e.run],
    ["call", e.call],
    ["trace", x.traceId],
    ["outcome", c.outcome],
  ];
  const sd = `[${structuredDataId} ${params
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}="${sdValue(String(v))}"`)
    .join(" ")}]`;
  return `<${pri}>1 ${e.ts} ${headerField(opts.hostname, 255)} ${headerField(opts.appName ?? "tollgate", 48)} ${headerField(opts.procId, 128)} ${headerField(e.type, 32)} ${sd} ${body}`;
}

/** RFC 5425 / RFC 6587 octet counting: `LEN SP MSG`, LEN the message's length in bytes. */
export function octetCounted(message: string): Buffer {
  const bytes = Buffer.from(message, "utf8");
  return Buffer.concat([Buffer.from(`${bytes.length} `, "ascii"), bytes]);
}
