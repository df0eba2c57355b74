import type { Span } from "./detector.js";

/** Shorter values would match ordinary words and numbers everywhere. */
export const minKnownSecretLength = 6;

/**
 * Exact values the workspace stores (connection tokens, secret values). They are replaced
 * wherever they appear, also in the two encodings they commonly travel in: URL-encoded (query
 * strings, form bodies) and JSON-escaped (a JSON document logged as a string).
 */
export function compileKnown(values: readonly string[] | undefined): string[] {
  const set = new Set<string>();
  for (const v of values ?? []) {
    if (typeof v !== "string" || v.length < minKnownSecretLength) continue;
    set.add(v);
    set.add(encodeURIComponent(v));
    set.add(JSON.stringify(v).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...set].sort((a, b) => b.length - a.length);
}

export function findKnown(needles: readonly string[], s: string, out: Span[]): void {
  for (const n of needles) {
    if (n.length > s.length) continue;
    for (let i = s.indexOf(n); i >= 0; i = s.indexOf(n, i + n.length)) {
      out.push({ start: i, end: i + n.length, kind: "secrets.known" });
    }
  }
}
