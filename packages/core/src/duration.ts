import { TollgateError } from "./errors.js";

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
export const ratePattern = /^(\d+(?:\.\d+)?)\/(s|m|h)$/;

/** Parses `500ms`, `10s`, `15m`, `4h`, `30d` into milliseconds. */
export function parseDuration(text: string): number {
  const m = durationPattern.exec(text.trim());
  if (!m)
    throw new TollgateError("invalid_request", `invalid duration "${text}": write it like 500ms, 10s, 15m, 4h or 30d`);
  return Math.round(Number(m[1]) * (units[m[2] as string] as number));
}

export interface Rate {
  /** tokens added per second */
  perSecond: number;
  /** bucket size: one unit's worth of calls */
  burst: number;
}

/** Parses `5/s` or `100/m` into a token-bucket rate. */
export function parseRate(text: string): Rate {
  const m = ratePattern.exec(text.trim());
  if (!m) throw new TollgateError("invalid_request", `invalid rate "${text}": write it like 5/s or 100/m`);
  const count = Number(m[1]);
  const per = (units[m[2] as string] as number) / 1000;
  return { perSecond: count / per, burst: Math.max(1, count) };
}
