import { hasDigitAndLetter, isPlaceholderValue } from "./checks.js";
import { type Detector, nameTrigger, eachMatch, NAME_AUTH, type Probe, type Span } from "./detector.js";

// PEM blocks go whole, header to footer. A block cut off without its footer (a truncated log
// line) still goes, to the end of the input: the base64 body is the key.
const pemBlock = /-----BEGIN ([A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----(?:[\s\S]*?-----END \1-----|[\s\S]*$)/g;

export const privateKey: Detector = {
  kind: "secrets.private_key",
  trigger: "-----BEGIN",
  priority: 10,
  gate: (p: Probe) => p.has("-----BEGIN"),
  find(p: Probe, out: Span[]) {
    const s = p.s;
    eachMatch(pemBlock, s, (m) => {
      out.push({ start: m.index, end: m.index + m[0].length, kind: "secrets.private_key" });
    });
  },
};

// header.payload.signature, base64url, header a JSON object ("{"" encodes to "eyJ"). Up to five
// segments so a JWE goes whole; an empty signature (alg "none") is still a token.
const jwt =
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+){0,2}(?![A-Za-z0-9_-])/g;

export const jwtToken: Detector = {
  kind: "secrets.jwt",
  trigger: "yJ",
  priority: 15,
  gate: (p: Probe) => p.has("yJ"), // "eyJ" starts with the commonest letter; "yJ" is found fast
  find(p: Probe, out: Span[]) {
    const s = p.s;
    eachMatch(jwt, s, (m) => {
      out.push({ start: m.index, end: m.index + m[0].length, kind: "secrets.jwt" });
    });
  },
};

// "Authorization: <scheme> <credential>" (also as a JSON member or key=value). The scheme word is
// kept for readability; the credential goes. A quoted value runs to its closing quote (also when
// the quote opens before the header name: 'Authorization: ...'); an unquoted single-token scheme
// stops at whitespace; others (Digest, AWS4-HMAC-SHA256, ...) carry parameter lists, so they run
// to the end of the line.
const authHeader = /(?<![A-Za-z0-9])(?:proxy-)?authorization\\?["']?[ \t]*[:=][ \t]*(\\?["'])?/gi;
// A bare "Bearer <token>". Prose ("Bearer authentication") has no digits, so it stays.
const bearer = /(?<![A-Za-z0-9])bearer\s+([A-Za-z0-9._~+/-]{8,}=*)(?![A-Za-z0-9._~+/=-])/gi;
// A bare "Basic <base64>" only when it decodes to "user:password".
const basic = /(?<![A-Za-z0-9])basic\s+([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/gi;

const schemeWord = /[Bb]earer|BEARER|[Bb]asic|BASIC/;
const schemeOnly = /^(?:basic|bearer|token|digest|negotiate|ntlm|hoba|mutual|apikey)$/i;
const singleTokenSchemes = new Set(["basic", "bearer", "token", "apikey", "key"]);

/** End of a quoted value: the closing quote (`q` may be an escaped quote, \"), skipping escapes. */
function closingQuote(s: string, from: number, q: string): number {
  let end = from;
  while (end < s.length && s[end] !== "\n" && !s.startsWith(q, end)) end += q.length === 1 && s[end] === "\\" ? 2 : 1;
  return Math.min(end, s.length);
}

/** Credentials have digits, mixed case or token punctuation; a plain word ("header") is prose. */
function looksLikeCredential(v: string): boolean {
  if (v.length < 6 || isPlaceholderValue(v) || schemeOnly.test(v)) return false;
  return /\d/.test(v) || (/[a-z]/.test(v) && /[A-Z]/.test(v)) || /[+/=._~-]/.test(v);
}

/** Finds the credential after an Authorization header name; returns where it ends. */
function authValue(s: string, at: number, from: number, quote: string | undefined, out: Span[]): number {
  let i = from;
  const scheme = /^([A-Za-z][A-Za-z0-9_-]*)[ \t]+(?=\S)/.exec(s.slice(i, i + 64));
  if (scheme) i += scheme[0].length;
  let end: number;
  const outer = s[at - 1] === '"' || s[at - 1] === "'" ? (s[at - 2] === "\\" ? `\\${s[at - 1]}` : s[at - 1]!) : "";
  if (quote || outer) end = closingQuote(s, i, quote ?? outer);
  else if (scheme && !singleTokenSchemes.has(scheme[1]!.toLowerCase())) {
    end = i;
    while (end < s.length && s[end] !== "\n" && s[end] !== "\r") end++;
  } else {
    end = i;
    while (end < s.length && !/[\s"',;\\]/.test(s[end]!)) end++;
  }
  while (end > i && /\s/.test(s[end - 1]!)) end--;
  if (looksLikeCredential(s.slice(i, end))) out.push({ start: i, end, kind: "secrets.bearer" });
  return end;
}

function isBasicCredential(b64: string): boolean {
  const text = Buffer.from(b64, "base64").toString("latin1");
  return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(text);
}

export const bearerToken: Detector = {
  kind: "secrets.bearer",
  trigger: `[Bb]earer|BEARER|[Bb]asic|BASIC|${nameTrigger}`,
  priority: 30,
  gate: (p: Probe) => schemeWord.test(p.s) || (p.names() & NAME_AUTH) !== 0,
  find(p: Probe, out: Span[]) {
    const s = p.s;
    eachMatch(authHeader, s, (m) => authValue(s, m.index, m.index + m[0].length, m[1], out));
    eachMatch(bearer, s, (m) => {
      const v = m[1]!;
      const mixed = /[a-z]/.test(v) && /[A-Z]/.test(v);
      if (!(hasDigitAndLetter(v) || (v.length >= 20 && mixed)) || isPlaceholderValue(v)) return;
      const end = m.index + m[0].length;
      out.push({ start: end - v.length, end, kind: "secrets.bearer" });
    });
    eachMatch(basic, s, (m) => {
      const v = m[1]!;
      if (!isBasicCredential(v)) return;
      const end = m.index + m[0].length;
      out.push({ start: end - v.length, end, kind: "secrets.bearer" });
    });
  },
};

// scheme://user:password@host. Only the password goes: user and host are what an operator needs
// to debug a connection, and neither grants access. No "/" in the password, so a port followed
// by a path containing "@" ("https://host:443/@alice") is not mistaken for userinfo.
const connString = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/[^\s:/@'"<>]*:([^\s@/'"<>]+)@(?=[A-Za-z0-9[])/g;

export const connectionString: Detector = {
  kind: "secrets.connection_string",
  trigger: "://",
  priority: 25,
  gate: (p: Probe) => p.has("@") && p.has("://"),
  find(p: Probe, out: Span[]) {
    const s = p.s;
    eachMatch(connString, s, (m) => {
      const pass = m[1]!;
      if (isPlaceholderValue(pass)) return;
      const end = m.index + m[0].length - 1;
      out.push({ start: end - pass.length, end, kind: "secrets.connection_string" });
    });
  },
};
