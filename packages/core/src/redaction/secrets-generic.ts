import { charClasses, entropy, isPlaceholderValue } from "./checks.js";
import { type Detector, nameTrigger, eachMatch, NAME_SECRET, type Probe, type Span, secretWords } from "./detector.js";

// "name = value" / "name: value" / "name": "value" where the name ends in a secret-like word.
const named = new RegExp(`(${secretWords})(?![A-Za-z0-9_])\\\\?["']?[ \\t]*[:=][ \\t]*`, "gi");

// Strong names say "this is a secret" by themselves; a lower entropy bar applies to their values.
const strong = /^(?:pass|secret|private|credential)/i;

/** Reads the value after "name:" — quoted (escaped quotes too, for JSON inside strings) or bare. */
function readValue(s: string, i: number): [number, number] | undefined {
  let q = "";
  if (s[i] === "\\" && (s[i + 1] === '"' || s[i + 1] === "'")) q = `\\${s[i + 1]}`;
  else if (s[i] === '"' || s[i] === "'") q = s[i]!;
  if (q) {
    const start = i + q.length;
    let end = start;
    const limit = Math.min(s.length, start + 2048);
    while (end < limit && s[end] !== "\n" && !s.startsWith(q, end)) {
      if (q.length === 1 && s[end] === "\\") end++; // an escaped char inside a quoted value
      end++;
    }
    return end < limit && s.startsWith(q, end) ? [start, end] : undefined;
  }
  let end = i;
  while (end < s.length && !endsBare(s.charCodeAt(end))) end++;
  return [i, end];
}

// Whitespace and , ; & " ' < > ( ) { } [ ] \ end a bare value.
const bareEnd = new Uint8Array(128);
for (const c of " \t\r\n,;&\"'<>(){}[]\\") bareEnd[c.charCodeAt(0)] = 1;
function endsBare(c: number): boolean {
  return c < 128 && bareEnd[c] === 1;
}

/** "Decent entropy": several character classes, or a spread of distinct characters. */
export function looksSecret(v: string, strongName: boolean): boolean {
  if (v.length < 8 || isPlaceholderValue(v)) return false;
  if (charClasses(v) >= 2) return entropy(v) >= 2;
  return entropy(v) >= (strongName ? 2.5 : 3);
}

export const generic: Detector = {
  kind: "secrets.generic",
  trigger: nameTrigger,
  priority: 50,
  gate: (p: Probe) => (p.names() & NAME_SECRET) !== 0,
  find(p: Probe, out: Span[]) {
    const s = p.s;
    eachMatch(named, s, (m) => {
      const range = readValue(s, m.index + m[0].length);
      if (!range) return;
      // The entropy test reads a bounded prefix; a longer value still goes whole.
      const v = s.slice(range[0], Math.min(range[1], range[0] + 2048));
      if (looksSecret(v, strong.test(m[1]!))) out.push({ start: range[0], end: range[1], kind: "secrets.generic" });
      return range[1];
    });
  },
};

const exactNames = new Set([
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "apikey",
  "authorization",
  "proxyauthorization",
  "accesstoken",
  "refreshtoken",
  "idtoken",
  "sessiontoken",
  "clientsecret",
  "privatekey",
  "secretkey",
  "cookie",
  "setcookie",
  "credentials",
]);
const nameSuffix = /(?:password|passwd|passphrase|secret|token|apikey|secretkey|privatekey|secretaccesskey)$/;

// Object keys repeat (one schema, many values), so answers are cached, within a bound.
const keyNames = new Map<string, boolean>();

/**
 * Whether an object key names a secret (value() replaces such a key's value whole, whatever it
 * looks like). Case and separators are ignored: "Api-Key", "api_key" and "apiKey" are one name.
 */
export function isSecretKeyName(key: string): boolean {
  if (key.length < 3 || key.length > 64) return false;
  let r = keyNames.get(key);
  if (r === undefined) {
    const k = key.toLowerCase().replace(/[-_.\s]/g, "");
    r = exactNames.has(k) || nameSuffix.test(k);
    if (keyNames.size >= 4096) keyNames.clear();
    keyNames.set(key, r);
  }
  return r;
}
