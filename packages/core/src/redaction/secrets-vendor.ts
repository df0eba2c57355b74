import { hasDigitAndLetter } from "./checks.js";
import { type Detector, eachMatch, type Features, lowered, type Span } from "./detector.js";

// Vendor credentials have fixed, documented prefixes; the prefix test is the prefilter and the
// lookarounds keep a match from starting or ending inside a longer identifier.

const awsKeyId = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
// A secret access key is 40 base64 chars with no prefix of its own: only its name identifies it.
const awsSecret =
  /(?<![A-Za-z0-9])(?:aws[_-]?)?secret[_-]?(?:access[_-]?)?key\\?["']?\s*[:=]\s*\\?["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

export const aws: Detector = {
  kind: "secrets.aws",
  priority: 20,
  gate: (s: string, f: Features) =>
    (f.upper >= 4 && (s.includes("AKIA") || s.includes("ASIA"))) ||
    (s.length >= 48 && lowered(s, f).includes("secret")),
  find(s: string, out: Span[]) {
    eachMatch(awsKeyId, s, (m) => {
      out.push({ start: m.index, end: m.index + m[0].length, kind: "secrets.aws" });
    });
    eachMatch(awsSecret, s, (m) => {
      const v = m[1]!;
      if (!hasDigitAndLetter(v)) return;
      const end = m.index + m[0].length;
      out.push({ start: end - v.length, end, kind: "secrets.aws" });
    });
  },
};

const githubToken =
  /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{36,251})(?![A-Za-z0-9_])/g;
const githubPrefix = /gh[pousr]_|github_pat_/;

export const github: Detector = {
  kind: "secrets.github",
  priority: 20,
  gate: (s: string) => s.includes("_") && githubPrefix.test(s),
  find(s: string, out: Span[]) {
    eachMatch(githubToken, s, (m) => {
      out.push({ start: m.index, end: m.index + m[0].length, kind: "secrets.github" });
    });
  },
};

const slackToken =
  /(?<![A-Za-z0-9])(?:xox[abposr]-[A-Za-z0-9-]{8,250}[A-Za-z0-9]|xapp-\d-[A-Za-z0-9-]{8,250}[A-Za-z0-9])/g;
// The webhook URL itself is the credential (anyone holding it can post), so all of it goes.
const slackWebhook = /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]+/g;

export const slack: Detector = {
  kind: "secrets.slack",
  priority: 20,
  gate: (s: string) => s.includes("xox") || s.includes("xapp-") || s.includes("hooks.slack.com"),
  find(s: string, out: Span[]) {
    eachMatch(slackToken, s, (m) => {
      if (!/\d/.test(m[0])) return;
      out.push({ start: m.index, end: m.index + m[0].length, kind: "secrets.slack" });
    });
    eachMatch(slackWebhook, s, (m) => {
      out.push({ start: m.index, end: m.index + m[0].length, kind: "secrets.slack" });
    });
  },
};

// sk-<48 alnum> (legacy), sk-proj-/sk-svcacct-/sk-admin-<long base64url>, and look-alikes of other
// vendors (sk-ant-...). Hyphenated prose ("sk-learn-compatible") has no digits, so it is skipped.
const openaiKey = /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,400}(?![A-Za-z0-9_-])/g;

export const openai: Detector = {
  kind: "secrets.openai",
  priority: 20,
  gate: (s: string) => s.includes("sk-"),
  find(s: string, out: Span[]) {
    eachMatch(openaiKey, s, (m) => {
      const body = m[0].slice(3);
      const mixedCase = /[a-z]/.test(body) && /[A-Z]/.test(body);
      if (!hasDigitAndLetter(body) || !(mixedCase || body.length >= 32)) return;
      out.push({ start: m.index, end: m.index + m[0].length, kind: "secrets.openai" });
    });
  },
};
