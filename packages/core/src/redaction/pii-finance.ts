import { ibanValid, luhnValid } from "./checks.js";
import {
  type Detector,
  digitTrigger,
  eachMatch,
  eachRunInRegions,
  isDigit,
  type Probe,
  type Span,
} from "./detector.js";

/*
 * Payment cards: 13-19 digits, optionally grouped by spaces or dashes (one kind per number),
 * that pass Luhn AND carry a known network prefix with a length that network issues. Order
 * numbers that fail Luhn (4111111111111112) stay. A run of groups is searched for its longest
 * valid slice, so "4111 1111 1111 1111 12 items" still loses the card.
 */
const digitRun = /(?<![\w.,-])\d+(?:[ -]\d+)*/g;
const isCardChar = (c: number) => isDigit(c) || c === 32 || c === 45;

function network(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === "4") return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) return n >= 16 && n <= 19; // Discover
  if (p2 === 35) return n >= 16 && n <= 19; // JCB
  return false;
}

export function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && network(digits) && luhnValid(digits);
}

export const card: Detector = {
  kind: "pii.card",
  trigger: digitTrigger,
  priority: 55,
  gate: (p: Probe) => p.digitRun(),
  find(p: Probe, out: Span[]) {
    const s = p.s;
    eachRunInRegions(p, 13, digitRun, isCardChar, (m) => {
      const end = m.index + m[0].length;
      if (/[A-Za-z_]/.test(s[end] ?? "") || /^[.,]\d/.test(s.slice(end, end + 2))) return;
      const parts = m[0].split(/([ -])/); // [group, sep, group, sep, ...]
      const starts: number[] = [];
      let at = m.index;
      for (let k = 0; k < parts.length; k++) {
        if (k % 2 === 0) starts.push(at);
        at += parts[k]!.length;
      }
      const groups = parts.filter((_p, k) => k % 2 === 0);
      const seps = parts.filter((_p, k) => k % 2 === 1);
      for (let i = 0; i < groups.length; i++) {
        let digits = "";
        let best = -1;
        for (let j = i; j < groups.length; j++) {
          if (j > i && (seps[j - 1] !== seps[i] || groups[j]!.length < 3 || groups[i]!.length < 3)) break;
          digits += groups[j];
          if (digits.length > 19) break;
          if (isCardNumber(digits)) best = j;
        }
        if (best >= 0) {
          out.push({ start: starts[i]!, end: starts[best]! + groups[best]!.length, kind: "pii.card" });
          i = best;
        }
      }
    });
  },
};

/** IBAN length by country (ISO 13616 registry). The fixed length is what lets a grouped IBAN end. */
const ibanLength = new Map(
  (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 EE20 " +
    "EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 " +
    "KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 " +
    "PL28 PS29 PT25 QA29 RO24 RS22 SA24 SC31 SD18 SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 " +
    "VA22 VG24 XK20"
  )
    .split(" ")
    .map((e) => [e.slice(0, 2), Number(e.slice(2))] as const),
);

// Upper case only (how IBANs are printed); groups of four separated by single spaces are allowed.
const ibanStart = /(?<![A-Za-z0-9])([A-Z]{2})\d{2}(?= ?[A-Z0-9])/g;

export const iban: Detector = {
  kind: "pii.iban",
  trigger: digitTrigger,
  priority: 55,
  gate: (p: Probe) => p.digitRun(),
  find(p: Probe, out: Span[]) {
    const s = p.s;
    eachMatch(ibanStart, s, (m) => {
      const len = ibanLength.get(m[1]!);
      if (len === undefined) return;
      let chars = "";
      let i = m.index;
      while (i < s.length && chars.length < len) {
        const c = s[i]!;
        if (/[A-Z0-9]/.test(c)) chars += c;
        else if (c !== " " || !/[A-Z0-9]/.test(s[i + 1] ?? "") || chars.length % 4 !== 0) break;
        i++;
      }
      if (chars.length !== len || /[A-Za-z0-9]/.test(s[i] ?? "") || !ibanValid(chars)) return;
      out.push({ start: m.index, end: i, kind: "pii.iban" });
    });
  },
};

// US SSN, dashed form only: nine bare digits are far more often something else. Never-issued
// ranges are excluded (area 000, 666, 900-999; group 00; serial 0000).
const ssnPattern = /(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])/g;
const isSsnChar = (c: number) => isDigit(c) || c === 45;

export const ssn: Detector = {
  kind: "pii.ssn",
  trigger: digitTrigger,
  priority: 55,
  gate: (p: Probe) => p.has("-") && p.digitRun(),
  find(p: Probe, out: Span[]) {
    eachRunInRegions(p, 9, ssnPattern, isSsnChar, (m) => {
      const area = m[1]!;
      if (area === "000" || area === "666" || area[0] === "9" || m[2] === "00" || m[3] === "0000") return;
      out.push({ start: m.index, end: m.index + m[0].length, kind: "pii.ssn" });
    });
  },
};
