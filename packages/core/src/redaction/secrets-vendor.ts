import { hasDigitAndLetter } from "./checks.js";
import { type Detector, nameTrigger, eachMatch, NAME_SECRET, type Probe, type Span, someAt } from "./detector.js";

// Vendor credentials have fixed, documented prefixes; the prefix test is the prefilter and the
// lookarounds keep a match from starting or ending inside a longer identifier.

const awsKeyId = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
// A secret access key is 40 base64 chars with no prefix of its own: only its name identifies it.
const awsSecret =
  /(?<![A-Za-z0-9])(?:aws[_-]?)?secret[_-]?(?:access[_-]?)?key\\?["']?\s*[:=]\s*\\?["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

export const aws: Detector = {
  kind: "secrets.aws",
  trigger: `AKIA|ASIA|${nameTrigger}`,
  priority: 20,
  gate: (p: Probe) => p.has("AKIA") || p.has("ASIA") || (p.s.length >= 48 && (p.names() & NAME_SECRET) !== 0),
  find(p: Probe, out: Span[]) {
    const s = p.s;
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

export const github: Detector = {
  kind: "secrets.github",
  trigger: "_",
  priority: 20,
  gate: (p: Probe) =>
    someAt(
      p.s,
      "_",
      (i) => (p.s.startsWith("gh", i - 3) && "pousr".includes(p.s[i - 1]!)) || p.s.startsWith("github_pat", i - 10),
    ),
  find(p: Probe, out: Span[]) {
    const s = p.s;
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
  trigger: "xox|xapp-|://",
  priority: 20,
  gate: (p: Probe) => p.has("xox") || p.has("xapp-") || (p.has("://") && p.has("hooks.slack.com")),
  find(p: Probe, out: Span[]) {
    const s = p.s;
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
  trigger: "sk-",
  priority: 20,
  // "sk-" starts with a common letter; finding the rarer "-" first is cheaper.
  gate: (p: Probe) => someAt(p.s, "-", (i) => p.s[i - 1] === "k" && p.s[i - 2] === "s"),
  find(p: Probe, out: Span[]) {
    const s = p.s;
    eachMatch(openaiKey, s, (m) => {
      const body = m[0].slice(3);
      const mixedCase = /[a-z]/.test(body) && /[A-Z]/.test(body);
      if (!hasDigitAndLetter(body) || !(mixedCase || body.length >= 32)) return;
      out.push({ start: m.index, end: m.index + m[0].length, kind: "secrets.openai" });
    });
  },
};
