import { type Detector, digitTrigger, eachRunInRegions, isDigit, type Probe, type Span } from "./detector.js";

// local@domain.tld with a letters-only TLD, so "pkg@1.2.3" (npm versions) is not an address.
const email =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
const userinfoBefore = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@'"<>]*:$/;
// Retina asset names ("icon@2x.png") have the shape of an address.
const asset = /@\d+x\.(?:png|jpe?g|gif|webp|svg|avif)$/i;

export const emailAddress: Detector = {
  kind: "pii.email",
  trigger: "@",
  priority: 60,
  gate: (p: Probe) => p.has("@") && p.has("."),
  find(p: Probe, out: Span[]) {
    const s = p.s;
    // Driven by the "@"s (found fast) rather than by trying the pattern at every position.
    let from = 0;
    for (let at = s.indexOf("@"); at >= 0; at = s.indexOf("@", Math.max(at + 1, from))) {
      email.lastIndex = Math.max(from, at - 64);
      const m = email.exec(s);
      if (m === null) return;
      from = m.index + m[0].length;
      if (asset.test(m[0])) continue;
      // "scheme://user:pass@host": the "pass@host" part is a password (the connection-string
      // detector's business) and a host, not an address.
      if (userinfoBefore.test(s.slice(Math.max(0, m.index - 80), m.index))) continue;
      out.push({ start: m.index, end: from, kind: "pii.email" });
    }
  },
};

/*
 * Phone numbers. A run of digit groups joined by single separators (space, dot, dash) or a
 * parenthesised area code is cut into groups and the longest valid slice is taken. Choices:
 * - A bare digit string without "+" is never a phone number: order ids, timestamps and account
 *   numbers look exactly like that. "+15551234567" is one (the "+" says so).
 * - International ("+CC ..."): 10-15 digits in all; separators may mix.
 * - National, one separator kind throughout (a "(555) " area code aside): the North American
 *   shape [1-](NXX) NXX-XXXX, or 10-11 digits starting with the trunk prefix 0 ("020 7946 0958",
 *   "07700 900123", "01 23 45 67 89"). Other national shapes are not guessed at: grouped digits
 *   without either mark are as often amounts, account numbers or dates ("1 234 567 890",
 *   "3704 0044 0532", "2024-01-15 10").
 */
const maxGroups = 8; // "+33 1 23 45 67 89" has six; bounds the slice search on long digit lists
// Not glued to a word, a number or a time ("10:30"); "tel:+49..." may follow a colon.
const run = /(?:(?<![\w+.,/-])\+|(?<![\w+.,/:-]))\(?\d(?:[\d()]|[ .-](?=[\d(]))*/g;

interface Group {
  start: number;
  end: number;
  digits: number;
  paren: boolean;
  /** The separator before this group ("" for none or the first group). */
  sep: string;
}

function groups(s: string, from: number, to: number): Group[] | undefined {
  const out: Group[] = [];
  let i = from;
  if (s[i] === "+") i++;
  let sep = "";
  while (i < to) {
    const start = i;
    let paren = false;
    if (s[i] === "(") {
      paren = true;
      i++;
    }
    let digits = 0;
    while (i < to && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      i++;
      digits++;
    }
    if (paren) {
      if (s[i] !== ")" || digits === 0) return undefined;
      i++;
    }
    if (digits === 0) return undefined;
    out.push({ start, end: i, digits, paren, sep });
    sep = "";
    if (i < to && " .-".includes(s[i]!)) sep = s[i++]!;
    else if (i < to && s[i] !== "(" && !paren) return undefined; // stray ")"
  }
  return out;
}

function firstDigit(s: string, g: Group): string {
  return s[g.paren ? g.start + 1 : g.start]!;
}

/** One separator kind throughout, except around a parenthesised group ("1 (555) 123-4567"). */
function oneSeparator(g: Group[]): boolean {
  let sep: string | undefined;
  for (let i = 1; i < g.length; i++) {
    if (g[i - 1]!.paren || g[i]!.paren) continue;
    const x = g[i]!.sep;
    if (x === "" || (sep !== undefined && x !== sep)) return false;
    sep = x;
  }
  return true;
}

function validPhone(s: string, g: Group[], plus: boolean): boolean {
  let digits = 0;
  let parens = 0;
  for (const x of g) {
    digits += x.digits;
    if (x.paren) parens++;
  }
  if (parens > 1) return false;
  if (plus) return digits >= 10 && digits <= 15 && (parens === 0 || g.findIndex((x) => x.paren) <= 2);
  if (g.length < 2 || !oneSeparator(g)) return false;
  const d = g.map((x) => x.digits);
  // North American: [1] (NXX) NXX-XXXX, area code not starting with 0 or 1.
  const nanp = g[0]!.digits === 1 && firstDigit(s, g[0]!) === "1" ? g.slice(1) : g;
  if (nanp.length === 3 && nanp[0]!.digits === 3 && nanp[1]!.digits === 3 && nanp[2]!.digits === 4) {
    if (/[2-9]/.test(firstDigit(s, nanp[0]!)) && nanp.every((x, i) => !x.paren || i === 0)) return true;
  }
  // Elsewhere, national numbers start with the trunk prefix 0: "020 7946 0958", "01 23 45 67 89".
  if (firstDigit(s, g[0]!) !== "0" || digits < 10 || digits > 11 || (parens === 1 && !g[0]!.paren)) return false;
  if (d[0]! < 2 || d[0]! > 5 || d.slice(1).some((n) => n < 2 || n > 8)) return false;
  if (d[0]! <= 2 && d[1]! <= 2 && d[2] === 4) return false; // 01.02.2024 ...
  return true;
}

/**
 * A slice cut out of a longer run must be set off by a separator it does not use inside: "12
 * 555-123-4567" holds a number, "3704 0044 0532 0130 01" (a broken IBAN) does not hold "0532 0130 01".
 */
function standsApart(g: Group[], i: number, j: number): boolean {
  const inside = new Set<string>();
  for (let k = i + 1; k < j; k++) inside.add(g[k]!.sep);
  if (i > 0 && inside.has(g[i]!.sep)) return false;
  return j === g.length || !inside.has(g[j]!.sep);
}

const isPhoneChar = (c: number) => isDigit(c) || c === 32 || c === 40 || c === 41 || c === 43 || c === 45 || c === 46;

export const phone: Detector = {
  kind: "pii.phone",
  trigger: digitTrigger,
  priority: 65,
  gate: (p: Probe) => p.digitRun(),
  find(p: Probe, out: Span[]) {
    const s = p.s;
    eachRunInRegions(p, 10, run, isPhoneChar, (m) => {
      const from = m.index;
      const to = from + m[0].length;
      if (/^[A-Za-z0-9_]/.test(s.slice(to, to + 1))) return; // glued to a word: an id, a hash
      const plus = s[from] === "+";
      const g = groups(s, from, to);
      if (!g) return;
      // Longest valid slice; the "+" only counts for slices that keep the first group.
      for (let i = 0; i < g.length; i++) {
        for (let j = Math.min(g.length, i + maxGroups); j > i; j--) {
          const slice = g.slice(i, j);
          if (!standsApart(g, i, j)) continue;
          if (validPhone(s, slice, plus && i === 0)) {
            const start = i === 0 ? from : slice[0]!.start;
            out.push({ start, end: slice[slice.length - 1]!.end, kind: "pii.phone" });
            i = j - 1;
            break;
          }
        }
      }
    });
  },
};
