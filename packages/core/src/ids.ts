import { randomBytes } from "node:crypto";

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * Ids are a readable prefix plus a time-ordered, random suffix (`run_01j…`), so they sort by
 * creation and say what they name.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let rand = "";
  for (const b of bytes) rand += alphabet[b % 32];
  return `${prefix}_${time}${rand}`;
}

/** A W3C trace id: 32 lowercase hex characters, not all zero. */
export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}
