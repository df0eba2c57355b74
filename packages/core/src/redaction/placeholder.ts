import { createHmac } from "node:crypto";

export type PlaceholderMode = "kind" | "stable";

/** Keyed hash of a value, hex. Keyed so a low-entropy value (a phone number) cannot be found by guessing. */
export function hmacHex(key: Uint8Array | string, value: string): string {
  return createHmac("sha256", key).update(value, "utf8").digest("hex");
}

/**
 * The text that replaces a detection: "[REDACTED:pii.email]", or with stable placeholders
 * "[pii.email:1a2b3c4d]" where the hex is the start of HMAC(hashKey, value), so equal values
 * give equal placeholders within a tenant and can still be correlated across records.
 */
export function placeholderFor(
  mode: PlaceholderMode,
  key: Uint8Array | string | undefined,
  kind: string,
  value: string,
): string {
  if (mode === "stable" && key !== undefined) return `[${kind}:${hmacHex(key, value).slice(0, 8)}]`;
  return `[REDACTED:${kind}]`;
}
