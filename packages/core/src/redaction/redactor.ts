import { TollgateError } from "../errors.js";
import { type Detector, Probe, type Span } from "./detector.js";
import { actionAt, compileFields, type FieldAction, type FieldNode, startAt, step } from "./fields.js";
import { compileKnown, findKnown } from "./known.js";
import { resolveKinds } from "./kinds.js";
import { card, iban, ssn } from "./pii-finance.js";
import { emailAddress, phone } from "./pii-contact.js";
import { ipAddress } from "./pii-network.js";
import { hmacHex, type PlaceholderMode, placeholderFor } from "./placeholder.js";
import { bearerToken, connectionString, jwtToken, privateKey } from "./secrets-auth.js";
import { generic, isSecretKeyName } from "./secrets-generic.js";
import { aws, github, openai, slack } from "./secrets-vendor.js";
import { isPlaceholderValue } from "./checks.js";

export interface RedactionOptions {
  /** Kinds to apply, by name; "secrets" / "pii" select a family. Secrets are always on. Default ["secrets"]. */
  kinds?: readonly string[];
  /** Exact secret values, replaced wherever they appear (values shorter than 6 chars are ignored). */
  knownSecrets?: readonly string[];
  /** Field rules by path ("args.password", "result.*.email"); "*" matches any key or index. */
  fields?: Record<string, FieldAction>;
  /** Key for "hash" field rules and stable placeholders; required by either. One per tenant. */
  hashKey?: Uint8Array | string;
  /** "kind" (default): "[REDACTED:pii.email]"; "stable": "[pii.email:1a2b3c4d]". */
  placeholder?: PlaceholderMode;
}

export interface RedactionResult<T> {
  value: T;
  /** Sorted unique kinds replaced ("pii.email", "secrets.known", "field.mask", ...). */
  found: string[];
  /** Number of replacements (a dropped field counts one). */
  count: number;
}

export interface Redactor {
  text(s: string): RedactionResult<string>;
  /** A redacted deep copy of a JSON-like value; `root` names it for field rules ("args", "result"). */
  value<T>(v: T, root?: string): RedactionResult<T>;
}

const allDetectors: readonly Detector[] = [
  privateKey,
  jwtToken,
  aws,
  github,
  slack,
  openai,
  connectionString,
  bearerToken,
  generic,
  card,
  iban,
  ssn,
  emailAddress,
  phone,
  ipAddress,
];

/** Deeper values are replaced, not walked: a bound on work, and nothing below goes unredacted. */
export const maxDepth = 64;
const TRUNCATED = "[Truncated]";
const CIRCULAR = "[Circular]";
const UNSERIALIZABLE = "[Unserializable]";
const MASK = "[REDACTED]";
const DROP: unique symbol = Symbol("drop");
const noNodes: FieldNode[] = [];
const shortString = 256;
const keyCacheSize = 4096;

interface Acc {
  found: Set<string>;
  count: number;
}

function defineKey(out: Record<string, unknown>, k: string, v: unknown): void {
  // "__proto__" must become an own property, not the copy's prototype.
  if (k === "__proto__")
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

function remember(set: Set<string>, k: string): void {
  if (set.size >= keyCacheSize) set.clear();
  set.add(k);
}

/** Canonical JSON with cycles and depth bounded, for hashing non-string field values. */
function hashable(v: unknown, seen: Set<object>, depth: number): unknown {
  if (v === null || typeof v !== "object") return typeof v === "bigint" ? v.toString() : v;
  if (depth >= maxDepth) return TRUNCATED;
  if (seen.has(v)) return CIRCULAR;
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    try {
      const j: unknown = toJSON.call(v);
      if (j !== v) return hashable(j, seen, depth + 1);
    } catch {
      return UNSERIALIZABLE;
    }
  }
  seen.add(v);
  let out: unknown;
  if (Array.isArray(v)) out = v.map((x) => hashable(x, seen, depth + 1));
  else {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort())
      defineKey(o, k, hashable((v as Record<string, unknown>)[k], seen, depth + 1));
    out = o;
  }
  seen.delete(v);
  return out;
}

export function createRedactor(opts: RedactionOptions = {}): Redactor {
  const kinds = resolveKinds(opts.kinds);
  const detectors = allDetectors.filter((d) => kinds.has(d.kind));
  const priority = new Map<string, number>([["secrets.known", 0]]);
  for (const d of detectors) priority.set(d.kind, d.priority);
  // Short strings (most strings of a JSON value) first meet one combined regex; long ones go
  // straight to the gates, which are cheaper there than one pass of an alternation.
  const trigger = new RegExp([...new Set(detectors.map((d) => d.trigger))].join("|"));
  const known = compileKnown(opts.knownSecrets);
  const key = opts.hashKey;
  const mode: PlaceholderMode = opts.placeholder ?? "kind";
  const fieldRoot = compileFields(opts.fields);
  const usesHash = opts.fields !== undefined && Object.values(opts.fields).includes("hash");
  if ((mode === "stable" || usesHash) && (key === undefined || key.length === 0)) {
    // Without a key a hash of a low-entropy value (a phone number) is reversible by guessing.
    throw new TollgateError("internal", "redaction: stable placeholders and hash field rules need a hashKey");
  }

  // Keys repeat across values of one shape; the ones known to need nothing skip the detectors.
  const cleanKeys = new Set<string>();

  function replace(spans: Span[], s: string, acc: Acc): string {
    spans.sort((a, b) => a.start - b.start || priority.get(a.kind)! - priority.get(b.kind)! || b.end - a.end);
    let out = "";
    let at = 0;
    for (let i = 0; i < spans.length; i++) {
      const cur = spans[i]!;
      let end = cur.end;
      // Overlaps merge into the first (most specific) detection: over-redacting beats leaking a tail.
      while (i + 1 < spans.length && spans[i + 1]!.start < end) end = Math.max(end, spans[++i]!.end);
      out += s.slice(at, cur.start) + placeholderFor(mode, key, cur.kind, s.slice(cur.start, end));
      at = end;
      acc.found.add(cur.kind);
      acc.count++;
    }
    return out + s.slice(at);
  }

  function redactString(s: string, acc: Acc): string {
    if (s.length < 6) return s; // nothing any detector matches is shorter
    const spans: Span[] = [];
    if (known.length > 0) findKnown(known, s, spans);
    if (s.length <= shortString && !trigger.test(s)) return spans.length === 0 ? s : replace(spans, s, acc);
    const probe = new Probe(s);
    for (const d of detectors) if (d.gate(probe)) d.find(probe, spans);
    return spans.length === 0 ? s : replace(spans, s, acc);
  }

  function applyField(action: FieldAction, v: unknown, acc: Acc): unknown {
    acc.found.add(`field.${action}`);
    acc.count++;
    if (action === "drop") return DROP;
    if (action === "mask") return MASK;
    const text = typeof v === "string" ? v : (JSON.stringify(hashable(v, new Set(), 0)) ?? "undefined");
    return `[hash:${hmacHex(key!, text).slice(0, 16)}]`;
  }

  function secretValue(v: string | number, acc: Acc): string {
    acc.found.add("secrets.generic");
    acc.count++;
    return placeholderFor(mode, key, "secrets.generic", String(v));
  }

  function child(
    v: unknown,
    k: string,
    nodes: FieldNode[],
    secret: boolean,
    depth: number,
    seen: Set<object>,
    acc: Acc,
  ) {
    const next = nodes.length > 0 ? step(nodes, k) : noNodes;
    const action = next.length > 0 ? actionAt(next) : undefined;
    if (action !== undefined && v !== undefined) return applyField(action, v, acc);
    return walk(v, next, secret || isSecretKeyName(k), depth + 1, seen, acc);
  }

  function walk(v: unknown, nodes: FieldNode[], secret: boolean, depth: number, seen: Set<object>, acc: Acc): unknown {
    if (typeof v === "string") {
      if (secret && v.length > 0 && !isPlaceholderValue(v)) return secretValue(v, acc);
      return redactString(v, acc);
    }
    if (typeof v === "number" && secret && Number.isFinite(v)) return secretValue(v, acc);
    if ((typeof v === "number" && Number.isInteger(v) && Math.abs(v) >= 1e12) || typeof v === "bigint") {
      // A card number sent as a JSON number is still a card number.
      const s = String(v);
      const r = redactString(s, acc);
      return r === s ? v : r;
    }
    if (v === null || typeof v !== "object") return v;
    if (depth >= maxDepth) return TRUNCATED;
    if (seen.has(v)) return CIRCULAR;
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      // What JSON.stringify would store (a Date's ISO string, a Buffer's bytes).
      let j: unknown;
      try {
        j = toJSON.call(v);
      } catch {
        return UNSERIALIZABLE;
      }
      if (j !== v) {
        seen.add(v);
        const r = walk(j, nodes, secret, depth, seen, acc);
        seen.delete(v);
        return r;
      }
    }
    seen.add(v);
    let out: unknown;
    if (Array.isArray(v)) {
      const arr: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        const r = child(v[i], String(i), nodes, secret, depth, seen, acc);
        if (r !== DROP) arr.push(r);
      }
      out = arr;
    } else {
      const obj: Record<string, unknown> = {};
      let clashes: Map<string, number> | undefined;
      for (const k of Object.keys(v)) {
        const r = child((v as Record<string, unknown>)[k], k, nodes, secret, depth, seen, acc);
        if (r === DROP) continue;
        // Keys are data too (maps keyed by e-mail address); a clash after redaction gets a suffix.
        let rk = cleanKeys.has(k) ? k : redactString(k, acc);
        if (rk === k) remember(cleanKeys, k);
        else if (Object.hasOwn(obj, rk) || Object.hasOwn(v, rk)) {
          clashes ??= new Map();
          let n = clashes.get(rk) ?? 2;
          while (Object.hasOwn(obj, `${rk}#${n}`) || Object.hasOwn(v, `${rk}#${n}`)) n++;
          clashes.set(rk, n + 1);
          rk = `${rk}#${n}`;
        }
        defineKey(obj, rk, r);
      }
      out = obj;
    }
    seen.delete(v);
    return out;
  }

  const result = <T>(value: T, acc: Acc): RedactionResult<T> => ({
    value,
    found: [...acc.found].sort(),
    count: acc.count,
  });

  return {
    text(s: string): RedactionResult<string> {
      const acc: Acc = { found: new Set(), count: 0 };
      return result(typeof s === "string" ? redactString(s, acc) : s, acc);
    },
    value<T>(v: T, root?: string): RedactionResult<T> {
      const acc: Acc = { found: new Set(), count: 0 };
      const nodes = startAt(fieldRoot, root);
      const action = nodes.length > 0 ? actionAt(nodes) : undefined;
      if (action !== undefined && v !== undefined) {
        const r = applyField(action, v, acc);
        return result((r === DROP ? undefined : r) as T, acc);
      }
      const secret = root !== undefined && isSecretKeyName(root.slice(root.lastIndexOf(".") + 1));
      return result(walk(v, nodes, secret, 0, new Set(), acc) as T, acc);
    },
  };
}

// Options objects are usually module constants or per-tenant singletons: compile each once.
const cache = new WeakMap<RedactionOptions, Redactor>();
let defaultRedactor: Redactor | undefined;

function redactorFor(opts: RedactionOptions | undefined): Redactor {
  if (opts === undefined) {
    defaultRedactor ??= createRedactor({});
    return defaultRedactor;
  }
  let r = cache.get(opts);
  if (!r) {
    r = createRedactor(opts);
    cache.set(opts, r);
  }
  return r;
}

export function redactText(s: string, opts?: RedactionOptions): RedactionResult<string> {
  return redactorFor(opts).text(s);
}

export function redactValue<T>(v: T, opts?: RedactionOptions, root?: string): RedactionResult<T> {
  return redactorFor(opts).value(v, root);
}
