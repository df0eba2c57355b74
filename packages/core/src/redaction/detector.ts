import type { ConcreteKind, FoundKind } from "./kinds.js";

/** A half-open range [start, end) of the input to replace. */
export interface Span {
  start: number;
  end: number;
  kind: FoundKind;
}

/**
 * Character statistics gathered in one pass over the input. Detectors look at these before
 * running any regex, so clean text (the common case) costs one loop and a few comparisons.
 */
export interface Features {
  digits: number;
  upper: number;
  colons: number;
  /** Bit set of F_* flags below. */
  flags: number;
  /** Lower-cased input, computed on first use by `lowered`. */
  lc: string | undefined;
}

/** The lower-cased input, shared by every detector that needs a case-insensitive keyword test. */
export function lowered(s: string, f: Features): string {
  if (f.lc === undefined) f.lc = s.toLowerCase();
  return f.lc;
}

export const F_AT = 1;
export const F_EQ = 2;
export const F_DASH = 4;
export const F_DOT = 8;
export const F_PLUS = 16;
export const F_PAREN = 32;

const DIGIT = 64;
const UPPER = 128;
const COLON = 256;

const table = new Uint16Array(128);
for (let c = 48; c <= 57; c++) table[c] = DIGIT;
for (let c = 65; c <= 90; c++) table[c] = UPPER;
table[64] = F_AT; // @
table[61] = F_EQ; // =
table[45] = F_DASH; // -
table[46] = F_DOT; // .
table[43] = F_PLUS; // +
table[40] = F_PAREN; // (
table[58] = COLON; // :

export function scan(s: string): Features {
  let digits = 0;
  let upper = 0;
  let colons = 0;
  let flags = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) continue;
    const t = table[c]!;
    if (t === 0) continue;
    if (t === DIGIT) digits++;
    else if (t === UPPER) upper++;
    else if (t === COLON) colons++;
    else flags |= t;
  }
  return { digits, upper, colons, flags, lc: undefined };
}

export interface Detector {
  readonly kind: ConcreteKind;
  /** Lower runs first when two detections start at the same place (specific beats generic). */
  readonly priority: number;
  /** Cheap test; false means `find` cannot match, so it is skipped. */
  gate(s: string, f: Features): boolean;
  /** Appends every detection in `s` to `out`. */
  find(s: string, out: Span[]): void;
}

/** Runs a global regex over `s`, resetting its state first (regexes are shared module constants). */
export function eachMatch(re: RegExp, s: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    fn(m);
    if (m[0].length === 0) re.lastIndex++;
  }
}
