import { type Detector, eachMatch, type Probe, type Span } from "./detector.js";

/*
 * IP addresses (opt-in: only with "pii.ip" or "pii"). A dotted quad is indistinguishable from a
 * four-part version, so: "v1.2.3.4", "version 1.2.3.4" and "1.2.3.4.5" stay; a bare "1.2.3.4" is
 * redacted when this detector is on. Octets are 0-255 without leading zeros.
 */
const octet = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const ipv4Exact = new RegExp(`^${octet}(?:\\.${octet}){3}$`);
// A plain candidate, checked in code: a leading lookbehind would be tried at every position.
const ipv4Candidate = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g;
const ipv4Probe = /\d\.\d{1,3}\.\d/;
const versionWord = /(?:^|[^A-Za-z])(?:version|ver|release|build|v)\.?\s*[:=]?\s*$/i;

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /\w/.test(c);
}

function isV6Char(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46; // hex : .
}

/**
 * Whether `s` is an IPv6 address worth redacting: well formed, at least two non-empty groups
 * (so "::1" and "::" stay: loopback and unspecified identify nobody) and at least one digit
 * (so code like "dead::beef" stays). Times (10:30:00) and MACs (six groups) are not well formed.
 */
export function isIPv6(s: string): boolean {
  const zone = s.indexOf("%");
  const addr = zone >= 0 ? s.slice(0, zone) : s;
  if (!/\d/.test(addr)) return false;
  const halves = addr.split("::");
  if (halves.length > 2) return false;
  let count = 0;
  let nonEmpty = 0;
  for (let h = 0; h < halves.length; h++) {
    const half = halves[h]!;
    if (half === "") continue;
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const last = h === halves.length - 1 && i === parts.length - 1;
      if (last && p.includes(".")) {
        if (!ipv4Exact.test(p)) return false;
        count += 2;
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) count += 1;
      else return false;
      nonEmpty++;
    }
  }
  if (nonEmpty < 2) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

function findIPv4(s: string, out: Span[]): void {
  eachMatch(ipv4Candidate, s, (m) => {
    const end = m.index + m[0].length;
    const before = s[m.index - 1];
    if (isWordChar(before) || before === "." || isWordChar(s[end]) || /^\.\d/.test(s.slice(end, end + 2))) return;
    if (!ipv4Exact.test(m[0])) return;
    if (versionWord.test(s.slice(Math.max(0, m.index - 16), m.index))) return;
    out.push({ start: m.index, end, kind: "pii.ip" });
  });
}

/** Driven by the colons: each is widened to the hex/colon/dot run around it, which is then parsed. */
function findIPv6(s: string, out: Span[]): void {
  let done = 0;
  for (let i = s.indexOf(":"); i >= 0; i = s.indexOf(":", Math.max(i + 1, done))) {
    // Most colons (JSON members, "Note: ...") touch no hex digit or second colon: skip them early.
    if (!isV6Char(s.charCodeAt(i + 1)) && !isV6Char(s.charCodeAt(i - 1))) continue;
    let start = i;
    while (start > done && isV6Char(s.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < s.length && isV6Char(s.charCodeAt(end))) end++;
    done = end;
    if (end - start > 45) continue;
    const zone = /^%[A-Za-z0-9_.]{1,16}/.exec(s.slice(end, end + 17));
    let c = s.slice(start, end);
    while (c.endsWith(".")) c = c.slice(0, -1);
    if (zone && c.length === end - start) {
      c += zone[0];
      end += zone[0].length;
    } else end = start + c.length;
    if (isWordChar(s[start - 1]) || isWordChar(s[end]) || !isIPv6(c)) continue;
    out.push({ start, end, kind: "pii.ip" });
  }
}

export const ipAddress: Detector = {
  kind: "pii.ip",
  trigger: ":|\\d\\.\\d{1,3}\\.\\d",
  priority: 70,
  gate: (p: Probe) => p.has(":") || (p.has(".") && ipv4Probe.test(p.s)),
  find(p: Probe, out: Span[]) {
    const s = p.s;
    if (s.includes(".") && ipv4Probe.test(s)) findIPv4(s, out);
    if (s.includes(":")) findIPv6(s, out);
  },
};
