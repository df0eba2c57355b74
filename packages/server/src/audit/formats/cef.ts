import { classify, type ExportEvent, product, summaryOf } from "./classify.js";

const cefSeverity = { info: 3, low: 4, medium: 6, high: 8 } as const;
const maxMessage = 4000;

/** CEF header fields escape backslash and pipe. */
const header = (s: string) =>
  s
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/[\r\n]+/g, " ");
/** CEF extension values escape backslash, equals and line breaks. */
const value = (s: string) =>
  s.replace(/\\/g, "\\\\").replace(/=/g, "\\=").replace(/\r?\n/g, "\\n").replace(/\r/g, "\\r");

/** Maps one audit event to a CEF:0 line (ArcSight Common Event Format). */
export function cefEvent(x: ExportEvent): string {
  const e = x.event;
  const c = classify(e);
  const data = JSON.stringify(e.data);
  // custom fields travel as a label/value pair; both are left out when there is no value
  const labelled = (n: string, label: string, v: string | number | null): [string, string | number | null][] =>
    v === null || v === ""
      ? []
      : [
          [`${n}Label`, label],
          [n, v],
        ];
  const ext: [string, string | number | null | undefined][] = [
    ["rt", Date.parse(e.ts)],
    ["externalId", e.id],
    ...labelled("cn1", "seq", e.seq),
    ["suser", e.actor],
    ["act", c.decision ?? e.type],
    ["outcome", c.outcome],
    ["reason", c.reason],
    ...labelled("cs1", "tenant", x.tenant),
    ...labelled("cs2", "workspace", e.workspace),
    ...labelled("cs3", "runId", e.run),
    ...labelled("cs4", "callId", e.call),
    ...labelled("cs5", "traceId", x.traceId),
    ...labelled("cs6", "tool", e.type.startsWith("tool_call.") ? c.operation : null),
    ["msg", data.length > maxMessage ? `${data.slice(0, maxMessage)}...` : data],
  ];
  const extension = ext
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${value(String(v))}`)
    .join(" ");
  return `CEF:0|${header(product.vendor)}|${header(product.name)}|${header(product.version)}|${header(e.type)}|${header(summaryOf(e, c))}|${cefSeverity[c.severity]}|${extension}`;
}
