import { randomBytes, randomFillSync } from "node:crypto";

// One call to the system's random source per 409 ids rather than one per id (a hot-path cost).
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomSlice(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return slice;
}

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
  const bytes = randomSlice(10);
  let rand = "";
  for (let i = 0; i < bytes.length; i++) rand += alphabet[(bytes[i] as number) % 32];
  return `${prefix}_${time}${rand}`;
}

/** A W3C span (parent) id: 16 lowercase hex characters, not all zero; one per upstream request. */
export function newSpanId(): string {
  const hex = randomSlice(8).toString("hex");
  return hex === "0000000000000000" ? newSpanId() : hex;
}

/** A W3C trace id: 32 lowercase hex characters, not all zero. */
export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}
