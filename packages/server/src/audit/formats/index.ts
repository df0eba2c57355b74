import { cefEvent } from "./cef.js";
import type { ExportEvent } from "./classify.js";
import { nativeEvent } from "./native.js";
import { ocsfEvent } from "./ocsf.js";

export type { ExportEvent } from "./classify.js";
export const sinkFormats = ["native", "ocsf", "cef"] as const;
export type SinkFormat = (typeof sinkFormats)[number];

/** A formatted event: a JSON object (native, OCSF) or a line of text (CEF). */
export type Formatted = Record<string, unknown> | string;

export function formatEvent(format: SinkFormat, x: ExportEvent): Formatted {
  if (format === "ocsf") return ocsfEvent(x);
  if (format === "cef") return cefEvent(x);
  return nativeEvent(x);
}

/** The formatted event as one line of text (syslog MSG, NDJSON line). */
export const formattedText = (f: Formatted): string => (typeof f === "string" ? f : JSON.stringify(f));
