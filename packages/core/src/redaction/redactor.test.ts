import { describe, expect, it } from "vitest";
import { isTollgateError } from "../errors.js";
import { createRedactor, detectorKinds, isSecretKeyName, redactText, redactValue } from "./index.js";

const ghp = `ghp_${"A1b2C3".repeat(6)}`;
const key = "tenant-key-0123456789";

describe("kinds", () => {
  it("lists every detector and the families", () => {
    expect(detectorKinds).toContain("secrets");
    expect(detectorKinds).toContain("pii.card");
    expect(detectorKinds.filter((k) => k.startsWith("pii."))).toHaveLength(6);
  });
  it("rejects unknown kinds as a manifest error", () => {
    try {
      createRedactor({ kinds: ["pii.emial"] });
      expect.unreachable();
    } catch (e) {
      expect(isTollgateError(e) && e.code).toBe("invalid_manifest");
    }
  });
  it("reports sorted unique kinds and the number of replacements", () => {
    const r = redactText(`a@example.com ${ghp} b@example.com 4111111111111111`, { kinds: ["pii"] });
    expect(r.found).toEqual(["pii.card", "pii.email", "secrets.github"]);
    expect(r.count).toBe(4);
  });
  it("merges overlapping detections into the most specific one", () => {
    const r = redactText(`token=${ghp}`);
    expect(r.value).toBe("token=[REDACTED:secrets.github]");
    expect(r.count).toBe(1);
    expect(r.found).toEqual(["secrets.github"]);
  });
});

describe("knownSecrets", () => {
  const known = { knownSecrets: ["plainword-secret", 'p@ss w/rd"x', "short", "canary-Zq9x77"] };
  it("replaces exact values anywhere, also URL-encoded and JSON-escaped", () => {
    expect(redactText("x plainword-secret y", known).value).toBe("x [REDACTED:secrets.known] y");
    expect(redactText("q=p%40ss%20w%2Frd%22x&z=1", known).value).toBe("q=[REDACTED:secrets.known]&z=1");
    expect(redactText(JSON.stringify({ v: 'p@ss w/rd"x' }), known).value).toBe('{"v":"[REDACTED:secrets.known]"}');
    expect(redactText("a plainword-secretplainword-secret", known).count).toBe(2);
    expect(redactText("x plainword-secret", known).found).toEqual(["secrets.known"]);
  });
  it("ignores values shorter than six characters", () => {
    expect(redactText("a short story", known).value).toBe("a short story");
  });
  it("applies inside values and keys", () => {
    const r = createRedactor(known).value({ note: "use plainword-secret", "canary-Zq9x77": 1 });
    expect(r.value).toEqual({ note: "use [REDACTED:secrets.known]", "[REDACTED:secrets.known]": 1 });
  });
});

describe("placeholders", () => {
  it("uses the kind by default", () => {
    expect(redactText("alice@example.com", { kinds: ["pii.email"] }).value).toBe("[REDACTED:pii.email]");
  });
  it("stable placeholders are equal for equal values, per key", () => {
    const a = createRedactor({ kinds: ["pii.email"], placeholder: "stable", hashKey: key });
    const b = createRedactor({
      kinds: ["pii.email"],
      placeholder: "stable",
      hashKey: new TextEncoder().encode("other"),
    });
    const one = a.text("from alice@example.com to bob@example.com, cc alice@example.com").value;
    const m = one.match(/\[pii\.email:[0-9a-f]{8}\]/g)!;
    expect(m).toHaveLength(3);
    expect(m[0]).toBe(m[2]);
    expect(m[0]).not.toBe(m[1]);
    expect(a.text("alice@example.com").value).toBe(m[0]);
    expect(b.text("alice@example.com").value).not.toBe(m[0]);
  });
  it("requires a hashKey for stable placeholders and hash rules", () => {
    expect(() => createRedactor({ placeholder: "stable" })).toThrow(/hashKey/);
    expect(() => createRedactor({ fields: { "args.x": "hash" } })).toThrow(/hashKey/);
  });
  it("is idempotent: redacting redacted output changes and counts nothing", () => {
    for (const placeholder of ["kind", "stable"] as const) {
      const r = createRedactor({ kinds: ["pii"], placeholder, hashKey: key });
      const once = r.text(`password=Hunter2Hunter2 postgres://u:pw12345@h/db a@b.co ${ghp}`);
      const twice = r.text(once.value);
      expect(twice.value).toBe(once.value);
      expect(twice.count).toBe(0);
      const v = r.value({ password: "x", token: ghp });
      expect(r.value(v.value).count).toBe(0);
    }
  });
});

describe("field rules", () => {
  const r = createRedactor({
    hashKey: key,
    kinds: ["pii.email"],
    fields: {
      "args.card": "mask",
      "args.customer.email": "hash",
      "args.debug": "drop",
      "args.items.*.ssn": "drop",
      "result.*.phone": "mask",
      "result.rows.*": "hash",
    },
  });
  it("masks, hashes and drops by path under the given root", () => {
    const out = r.value(
      { card: "4111 1111 1111 1111", customer: { email: "a@example.com", name: "Ann" }, debug: { x: 1 }, note: "hi" },
      "args",
    );
    expect(out.value).toEqual({
      card: "[REDACTED]",
      customer: { email: expect.stringMatching(/^\[hash:[0-9a-f]{16}\]$/), name: "Ann" },
      note: "hi",
    });
    expect(out.found).toEqual(["field.drop", "field.hash", "field.mask"]);
    expect(out.count).toBe(3);
  });
  it("the strongest rule wins when several match", () => {
    expect(r.value({ card: "x" }, "args").value).toEqual({ card: "[REDACTED]" });
    expect(r.value({ debug: "x" }, "args").value).toEqual({});
  });
  it("'*' matches any key and any array index; dropped array items are removed", () => {
    const out = r.value(
      {
        items: [
          { ssn: "1", n: 1 },
          { ssn: "2", n: 2 },
        ],
      },
      "args",
    );
    expect(out.value).toEqual({ items: [{ n: 1 }, { n: 2 }] });
    const all = createRedactor({ hashKey: key, fields: { "args.*": "hash", "args.keep.x": "mask" } });
    const hashed = all.value({ a: 1, keep: { x: 1 } }, "args").value as unknown as Record<string, string>;
    expect(hashed.a).toMatch(/^\[hash:/);
    expect(hashed.keep).toMatch(/^\[hash:/); // a rule on a member covers everything below it
    const res = r.value({ a: { phone: "1" }, b: { phone: "2", x: "y" }, rows: [1, "two", { z: 3 }] }, "result");
    expect(res.value).toEqual({
      a: { phone: "[REDACTED]" },
      b: { phone: "[REDACTED]", x: "y" },
      rows: [expect.stringMatching(/^\[hash:/), expect.stringMatching(/^\[hash:/), expect.stringMatching(/^\[hash:/)],
    });
    const arr = createRedactor({ fields: { "list.*.secret": "drop", "list.1": "drop" } }).value({
      list: [{ secret: 1, k: 1 }, { k: 2 }, { k: 3 }],
    });
    expect(arr.value).toEqual({ list: [{ k: 1 }, { k: 3 }] });
  });
  it("hashes equal values equally (stable across calls and across text/value for the same key)", () => {
    const h = (v: unknown) =>
      (r.value({ customer: { email: v } }, "args").value as { customer: { email: string } }).customer.email;
    expect(h("a@example.com")).toBe(h("a@example.com"));
    expect(h("a@example.com")).not.toBe(h("b@example.com"));
    expect(h({ x: 1, y: [2] })).toBe(h({ y: [2], x: 1 }));
  });
  it("does not apply rules of another root, and applies a rule on the root itself", () => {
    expect(r.value({ card: "x" }, "result").value).toEqual({ card: "x" });
    const whole = createRedactor({ fields: { args: "mask" } });
    expect(whole.value({ a: 1 }, "args").value).toBe("[REDACTED]");
    expect(createRedactor({ fields: { "args.x": "drop" } }).value({ x: 1, y: 2 }).value).toEqual({ x: 1, y: 2 });
    expect(createRedactor({ fields: { x: "drop" } }).value({ x: 1, y: 2 }).value).toEqual({ y: 2 });
  });
  it("rejects unknown actions and empty segments", () => {
    expect(() => createRedactor({ fields: { "a.b": "erase" as "mask" } })).toThrow(/unknown field rule/);
    expect(() => createRedactor({ fields: { "a..b": "mask" } })).toThrow(/invalid field path/);
  });
});

describe("value()", () => {
  const r = createRedactor({ kinds: ["pii.email"] });

  it("replaces values of secret-like keys whole, whatever they look like", () => {
    const out = r.value({
      password: "a",
      Authorization: "Basic abc",
      "x-api-key": "k",
      apiKey: "short",
      client_secret: 12345,
      githubToken: "t",
      nested: { access_token: "zz", refresh_token: "yy", ok: "fine" },
      credentials: { user: "bob", pass: "pw" },
      has_password: true,
      password_policy: "strict",
      max_tokens: 400,
      tokens: 12,
      token_type: "bearer",
      empty: { password: "" },
    });
    const g = "[REDACTED:secrets.generic]";
    expect(out.value).toEqual({
      password: g,
      Authorization: g,
      "x-api-key": g,
      apiKey: g,
      client_secret: g,
      githubToken: g,
      nested: { access_token: g, refresh_token: g, ok: "fine" },
      credentials: { user: g, pass: g },
      has_password: true,
      password_policy: "strict",
      max_tokens: 400,
      tokens: 12,
      token_type: "bearer",
      empty: { password: "" },
    });
    expect(out.found).toEqual(["secrets.generic"]);
  });
  it("redacts strings and keys at any depth, keeping other types", () => {
    const out = r.value({
      list: ["mail a@example.com", 1, null, true, { deep: [`key ${ghp}`] }],
      "b@example.com": { n: 1 },
      "c@example.com": 2,
      when: new Date("2024-01-15T10:30:00Z"),
      nothing: undefined,
    });
    expect(out.value).toEqual({
      list: ["mail [REDACTED:pii.email]", 1, null, true, { deep: ["key [REDACTED:secrets.github]"] }],
      "[REDACTED:pii.email]": { n: 1 },
      "[REDACTED:pii.email]#2": 2,
      when: "2024-01-15T10:30:00.000Z",
      nothing: undefined,
    });
    expect(out.count).toBe(4);
  });
  it("keeps every member when many keys redact to the same placeholder", () => {
    const many: Record<string, number> = {};
    for (let i = 0; i < 5000; i++) many[`user${i}@example.com`] = i;
    const out = r.value(many).value;
    expect(Object.keys(out)).toHaveLength(5000);
    expect(out["[REDACTED:pii.email]#5000"]).toBe(4999);
  });
  it("does not mutate its input", () => {
    const input = { a: "a@example.com", b: [{ password: "x" }], c: { d: `t ${ghp}` } };
    const before = structuredClone(input);
    const frozen = Object.freeze({ ...input, e: Object.freeze(["a@example.com"]) });
    const out = r.value(input);
    r.value(frozen);
    expect(input).toEqual(before);
    expect(out.value).not.toBe(input);
    expect(out.value.b).not.toBe(input.b);
  });
  it("handles cycles, shared references and depth", () => {
    const a: Record<string, unknown> = { name: "a@example.com" };
    a.self = a;
    a.list = [a, { back: a }];
    const shared = { v: 1 };
    const out = r.value({ a, s1: shared, s2: shared });
    expect(out.value).toEqual({
      a: { name: "[REDACTED:pii.email]", self: "[Circular]", list: ["[Circular]", { back: "[Circular]" }] },
      s1: { v: 1 },
      s2: { v: 1 },
    });
    let deep: unknown = "a@example.com";
    for (let i = 0; i < 200; i++) deep = { d: deep };
    let node = r.value(deep).value as unknown;
    let depth = 0;
    while (typeof node === "object" && node !== null) {
      node = (node as { d: unknown }).d;
      depth++;
    }
    expect(depth).toBe(64);
    expect(node).toBe("[Truncated]");
  });
  it("keeps a __proto__ key as data, not as the copy's prototype", () => {
    const input = JSON.parse('{"__proto__": {"polluted": "a@example.com"}}');
    const out = r.value(input).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it("checks long integers for card numbers", () => {
    const c = createRedactor({ kinds: ["pii.card"] });
    expect(c.value({ n: 4111111111111111, m: 4111111111111112, big: 5555555555554444n }).value).toEqual({
      n: "[REDACTED:pii.card]",
      m: 4111111111111112,
      big: "[REDACTED:pii.card]",
    });
  });
  it("passes primitives through and redacts a top-level string", () => {
    expect(r.value(42).value).toBe(42);
    expect(r.value(null).value).toBe(null);
    expect(r.value("a@example.com").value).toBe("[REDACTED:pii.email]");
    expect(r.value("x", "args.password").value).toBe("[REDACTED:secrets.generic]");
  });
});

describe("convenience functions", () => {
  it("redactText and redactValue default to secrets only", () => {
    expect(redactText(`a@example.com ${ghp}`).value).toBe("a@example.com [REDACTED:secrets.github]");
    expect(redactValue({ password: "x", mail: "a@example.com" }).value).toEqual({
      password: "[REDACTED:secrets.generic]",
      mail: "a@example.com",
    });
    const opts = { kinds: ["pii.email"], fields: { "args.x": "drop" as const } };
    expect(redactValue({ x: 1, m: "a@example.com" }, opts, "args").value).toEqual({ m: "[REDACTED:pii.email]" });
    expect(redactValue({ x: 1 }, opts, "args").value).toEqual({});
  });
  it("isSecretKeyName ignores case and separators", () => {
    for (const k of ["password", "Api-Key", "api_key", "apiKey", "CLIENT_SECRET", "db.password", "set-cookie"]) {
      expect(isSecretKeyName(k)).toBe(true);
    }
    for (const k of ["passwordPolicy", "token_type", "max_tokens", "keys", "id", "secretName", "author"]) {
      expect(isSecretKeyName(k)).toBe(false);
    }
  });
});

describe("cost", () => {
  it("clean text of 1 KB stays cheap (loose bound; see bench for numbers)", () => {
    const clean =
      "The support agent reviewed ticket 4821 about the checkout page failing for customers in the EU region. "
        .repeat(11)
        .slice(0, 1024);
    const r = createRedactor({ kinds: ["secrets", "pii.email", "pii.card"] });
    for (let i = 0; i < 2000; i++) r.text(clean);
    const n = 5000;
    const t = performance.now();
    for (let i = 0; i < n; i++) r.text(clean);
    const perCallUs = ((performance.now() - t) * 1000) / n;
    expect(r.text(clean).value).toBe(clean);
    expect(perCallUs).toBeLessThan(100);
  });
});

describe("adversarial input", () => {
  it("stays linear on repetitive and near-miss input", () => {
    const r = createRedactor({ kinds: ["pii"], knownSecrets: ["aaaaaaab"] });
    const n = 50_000;
    const inputs = [
      "1".repeat(n),
      "12 ".repeat(n / 3),
      "a@".repeat(n / 2),
      `x@${"a".repeat(60)}.`.repeat(n / 63),
      "a:".repeat(n / 2),
      "1.".repeat(n / 2),
      "-----BEGIN RSA PRIVATE KEY-----\n".repeat(n / 32),
      `eyJ${"a".repeat(n)}`,
      "password=".repeat(n / 9),
      'password="'.repeat(n / 10),
      "password=xpassword=".repeat(n / 19),
      "Authorization: Digest a ".repeat(n / 24),
      `bearer ${"a".repeat(n)}=b`,
      `http://${"a".repeat(n)}`,
      "aaaaaaa".repeat(n / 7),
      "a1 B2-c3.d4:e5@f6=g7_".repeat(n / 21),
    ];
    for (const s of inputs) {
      const t = performance.now();
      r.text(s);
      expect(performance.now() - t).toBeLessThan(1000);
    }
  });
});
