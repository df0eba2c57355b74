import type { Span } from "./detector.js";

/** Shorter values would match ordinary words and numbers everywhere. */
export const minKnownSecretLength = 6;

export interface KnownSecret {
  value: string;
  /** Where the search anchor starts inside `value` (see compileKnown). */
  at: number;
  anchor: string;
}

/**
 * Exact values the workspace stores (connection tokens, secret values). They are replaced
 * wherever they appear, also in the two encodings they commonly travel in: URL-encoded (query
 * strings, form bodies) and JSON-escaped (a JSON document logged as a string).
 */
export function compileKnown(values: readonly string[] | undefined): KnownSecret[] {
  const set = new Set<string>();
  for (const v of values ?? []) {
    if (typeof v !== "string" || v.length < minKnownSecretLength) continue;
    set.add(v);
    set.add(encodeURIComponent(v));
    set.add(JSON.stringify(v).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...set]
    .sort((a, b) => b.length - a.length)
    .map((value) => {
      // Search from the first character that is not a lower-case letter or space: string search
      // leads with its first character, and rare ones (digits, capitals, symbols) are found fast.
      let at = 0;
      while (at < value.length - 3 && /[a-z ]/.test(value[at]!)) at++;
      if (at === value.length - 3) at = 0;
      return { value, at, anchor: value.slice(at) };
    });
}

export function findKnown(known: readonly KnownSecret[], s: string, out: Span[]): void {
  for (const k of known) {
    if (k.value.length > s.length) continue;
    for (let i = s.indexOf(k.anchor, k.at); i >= 0; i = s.indexOf(k.anchor, i + 1)) {
      const start = i - k.at;
      if (k.at === 0 || s.startsWith(k.value, start)) {
        out.push({ start, end: start + k.value.length, kind: "secrets.known" });
        i = start + k.value.length + k.at - 1; // the next occurrence starts after this one
      }
    }
  }
}
