/** Luhn checksum over a string of digits only. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** ISO 13616 check: move the first four chars to the end, letters to numbers, mod 97 must be 1. */
export function ibanValid(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** How many of: lower case, upper case, digits, other characters, appear in `s`. */
export function charClasses(s: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

/** True when `s` has at least one digit and one letter: real tokens do, English words do not. */
export function hasDigitAndLetter(s: string): boolean {
  return /\d/.test(s) && /[A-Za-z]/.test(s);
}

/**
 * Values that are obviously not credentials: empty-ish markers, template references and our own
 * placeholders. Skipping our placeholders keeps redaction idempotent (redacting twice changes
 * nothing and counts nothing).
 */
export function isPlaceholderValue(v: string): boolean {
  if (v.startsWith("[REDACTED") || /^\[[a-z]+(?:\.[a-z_]+)?:[0-9a-f]{8}\]$/.test(v) || v.startsWith("[hash:"))
    return true;
  if (/^(?:[*•#.-]+|[xX]{3,})$/.test(v)) return true; // ****, xxxx, ...
  if (
    /^(?:\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{\{[^}]*\}\}|<[^>]*>|%\([^)]*\)s|process\.env\.[A-Za-z_][A-Za-z0-9_]*)$/.test(
      v,
    )
  )
    return true;
  return /^(?:null|undefined|none|nil|true|false|redacted|hidden|required|optional|string)$/i.test(v);
}
