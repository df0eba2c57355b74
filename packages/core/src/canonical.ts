import { hash } from "node:crypto";

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined` members dropped.
 * Two values that mean the same serialise to the same bytes, so their hashes are comparable
 * (manifest versions, argument hashes, the audit chain).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    if (value === undefined) return "null";
    return JSON.stringify(value);
  }
  // built by concatenation, without intermediate arrays: this runs for every audit event and call
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  // the one-shot form is about twice as fast as a Hash object (every audit event hashes twice)
  return hash("sha256", data, "hex");
}

/** Hash of a JSON value by its canonical form. */
export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
