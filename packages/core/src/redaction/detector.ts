import type { ConcreteKind, FoundKind } from "./kinds.js";

/** A half-open range [start, end) of the input to replace. */
export interface Span {
  start: number;
  end: number;
  kind: FoundKind;
}

/*
 * Words a secret's name ENDS with (DB_PASSWORD, clientSecret, x-api-key, access_token). Ending,
 * not containing: "token_type" and "password_policy" name something else. "tokens" (plural) is
 * left out on purpose: it is how model usage counts are named; "pwd" too: PWD is the working
 * directory.
 */
export const secretWords =
  "password|passwd|passphrase|secrets?|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|auth[_-]?key|credentials?";
const secretNameEnd = new RegExp(`(?:${secretWords})$`);
const authNameEnd = /authorization$/;
// Nine digits with at most short separators between: the least any digit-based PII needs.
// Starting with two digits lets the regex engine skip ahead two characters at a time; every
// number the digit detectors accept has two adjacent digits somewhere (the run is widened back).
export const digitTrigger = "\\d\\d(?:[ ().-]{0,2}\\d){7}";
const digitProbe = new RegExp(digitTrigger);
const digitRegion = /\d\d(?:[ ().-]{0,2}\d){7,}/g;

export const NAME_SECRET = 1;
export const NAME_AUTH = 2;

/**
 * Cheap facts about one input, each computed on first use and shared by every detector's gate.
 * Searches lead with a rare character where possible: V8 finds a single character with a
 * vectorised scan, while a pattern starting with a common letter costs a compare per position.
 * Clean text (the common case) thus costs a handful of these and no detector regex at all.
 */
export class Probe {
  readonly s: string;
  private digits: boolean | undefined;
  private nameBits: number | undefined;
  private regions: number[] | undefined;

  constructor(s: string) {
    this.s = s;
  }

  has(sub: string): boolean {
    return this.s.includes(sub);
  }

  /** Whether a run of at least nine digits (short separators allowed) occurs. */
  digitRun(): boolean {
    if (this.digits === undefined)
      this.digits = this.regions === undefined ? digitProbe.test(this.s) : this.regions.length > 0;
    return this.digits;
  }

  /**
   * Every run of at least nine digits (short separators allowed), as flat [start, end, digits]
   * triples: found in one pass, then shared by the card, phone and SSN detectors.
   */
  digitRegions(): number[] {
    if (this.regions === undefined) {
      const r: number[] = [];
      if (this.digits !== false) {
        digitRegion.lastIndex = 0;
        for (let m = digitRegion.exec(this.s); m !== null; m = digitRegion.exec(this.s)) {
          let n = 0;
          for (let i = 0; i < m[0].length; i++) if (isDigit(m[0].charCodeAt(i))) n++;
          r.push(m.index, m.index + m[0].length, n);
        }
      }
      this.regions = r;
    }
    return this.regions;
  }

  /** NAME_* bits: which kinds of names stand before a ":" or "=" (password=..., "token": ...). */
  names(): number {
    if (this.nameBits === undefined) this.nameBits = namesBefore(this.s, ":") | namesBefore(this.s, "=");
    return this.nameBits;
  }
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

// The last three letters of every name above (and of "authorization"), as numbers: a cheap
// first test per separator.
const endings = ["ord", "swd", "ase", "ret", "ets", "ken", "key", "ial", "als", "ion"];
const nameEnds = new Set(endings.map((w) => tail(w, 3)));
/** Trigger (see Detector) of the name-based detectors: such an ending, then ":" or "=". */
export const nameTrigger = `(?:${endings.map((w) => [...w].map((c) => `[${c}${c.toUpperCase()}]`).join("")).join("|")})[\\s"'\\\\]{0,4}[:=]`;

/** The three chars before `end`, lower-cased (ASCII) and packed into one number. */
function tail(s: string, end: number): number {
  return ((s.charCodeAt(end - 3) | 32) << 16) | ((s.charCodeAt(end - 2) | 32) << 8) | (s.charCodeAt(end - 1) | 32);
}

function namesBefore(s: string, sep: string): number {
  let bits = 0;
  for (let i = s.indexOf(sep); i > 0; i = s.indexOf(sep, i + 1)) {
    let end = i;
    // Skip what may stand between a name and its separator: spaces, a closing (escaped) quote.
    for (let k = 0; k < 4 && end > 0; k++) {
      const c = s.charCodeAt(end - 1);
      if (c !== 32 && c !== 9 && c !== 34 && c !== 39 && c !== 92) break;
      end--;
    }
    if (end < 3 || !nameEnds.has(tail(s, end))) continue;
    let start = end;
    while (start > 0 && end - start < 48 && isNameChar(s.charCodeAt(start - 1))) start--;
    const name = s.slice(start, end).toLowerCase();
    if (secretNameEnd.test(name)) bits |= NAME_SECRET;
    else if (authNameEnd.test(name)) bits |= NAME_AUTH;
  }
  return bits;
}

export interface Detector {
  readonly kind: ConcreteKind;
  /** Lower wins when two detections start at the same place (specific beats generic). */
  readonly priority: number;
  /**
   * Regex source of a condition every match satisfies. The redactor joins the triggers of its
   * detectors into one regex and tests short strings with it before any gate: one test instead
   * of a dozen calls for the many small strings of a JSON value.
   */
  readonly trigger: string;
  /** Cheap test; false means `find` cannot match, so it is skipped. */
  gate(p: Probe): boolean;
  /** Appends every detection in `p.s` to `out`. */
  find(p: Probe, out: Span[]): void;
}

/**
 * Runs a global regex over `s`, resetting its state first (regexes are shared module constants).
 * `fn` may return where to resume: past a value it consumed, so no input is scanned twice.
 */
export function eachMatch(re: RegExp, s: string, fn: (m: RegExpExecArray) => unknown): void {
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const resume = fn(m);
    if (typeof resume === "number" && resume > re.lastIndex) re.lastIndex = resume;
    else if (m[0].length === 0) re.lastIndex++;
  }
}

/** Whether `pred` holds at some occurrence of the single character `ch` (found by fast search). */
export function someAt(s: string, ch: string, pred: (i: number) => boolean): boolean {
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) if (pred(i)) return true;
  return false;
}

/**
 * Applies the global regex `run` only around the digit regions of `p` holding at least
 * `minDigits` digits: each region is widened back over run characters and `run` is matched from
 * there until past the region. Each part of the input is visited once.
 */
export function eachRunInRegions(
  p: Probe,
  minDigits: number,
  run: RegExp,
  isRunChar: (c: number) => boolean,
  fn: (m: RegExpExecArray) => void,
): void {
  const s = p.s;
  const regions = p.digitRegions();
  let done = 0;
  for (let r = 0; r < regions.length; r += 3) {
    if (regions[r + 2]! < minDigits || regions[r + 1]! <= done) continue;
    let start = Math.max(regions[r]!, done);
    while (start > done && isRunChar(s.charCodeAt(start - 1))) start--;
    let end = regions[r + 1]!;
    run.lastIndex = start;
    for (let m = run.exec(s); m !== null && m.index < end; m = run.exec(s)) {
      fn(m);
      end = Math.max(end, m.index + m[0].length);
      if (m[0].length === 0) run.lastIndex++;
    }
    done = end;
  }
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
