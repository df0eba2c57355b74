import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The outgoing webhook's signature: `x-tollgate-signature: t=<unix seconds>,v1=<hex>` where the hex
 * is HMAC-SHA256 over `<t>.<raw body>` with the workspace secret the channel names. A receiver
 * recomputes it and refuses a timestamp older than a few minutes (replays).
 */
export const signatureHeader = "x-tollgate-signature";

export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/** What a receiver does (also used by Tollgate's tests): true for a genuine, fresh signature. */
export function verifyWebhook(
  secret: string,
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(",").map((kv) => kv.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).split("v1=")[1] as string, "hex");
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
