import { type Detector, eachMatch, F_DOT, type Features, type Span } from "./detector.js";

/*
 * IP addresses (opt-in: only with "pii.ip" or "pii"). A dotted quad is indistinguishable from a
 * four-part version, so: "v1.2.3.4", "version 1.2.3.4" and "1.2.3.4.5" stay; a bare "1.2.3.4" is
 * redacted when this detector is on. Octets are 0-255 without leading zeros.
 */
const octet = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const ipv4 = new RegExp(`(?<![\\w.])${octet}(?:\\.${octet}){3}(?![\\w]|\\.\\d)`, "g");
const versionWord = /(?:^|[^A-Za-z])(?:version|ver|release|build|v)\.?\s*[:=]?\s*$/i;

// Hex, colons and dots; validated by parsing, so times (10:30:00) and MACs (6 groups) fail.
const ipv6Candidate = /(?<![\w:.%])[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}(?:%[A-Za-z0-9_.]{1,16})?/g;

const ipv4Exact = new RegExp(`^${octet}(?:\\.${octet}){3}$`);

/**
 * Whether `s` is an IPv6 address worth redacting: well formed, at least two non-empty groups
 * (so "::1" and "::" stay: loopback and unspecified identify nobody) and at least one digit
 * (so code like "dead::beef" stays).
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

export const ipAddress: Detector = {
  kind: "pii.ip",
  priority: 70,
  gate: (_s: string, f: Features) => (f.digits >= 4 && (f.flags & F_DOT) !== 0) || f.colons >= 2,
  find(s: string, out: Span[]) {
    if (s.includes(".")) {
      eachMatch(ipv4, s, (m) => {
        if (versionWord.test(s.slice(Math.max(0, m.index - 16), m.index))) return;
        out.push({ start: m.index, end: m.index + m[0].length, kind: "pii.ip" });
      });
    }
    if (s.includes(":")) {
      eachMatch(ipv6Candidate, s, (m) => {
        let c = m[0];
        while (c.endsWith(".")) c = c.slice(0, -1);
        if (/\w/.test(s[m.index + c.length] ?? "") && m[0].length === c.length) return;
        if (!c.includes(":") || !isIPv6(c)) return;
        out.push({ start: m.index, end: m.index + c.length, kind: "pii.ip" });
      });
    }
  },
};
