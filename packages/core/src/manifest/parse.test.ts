import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isTollgateError } from "../errors.js";
import { loadManifest, manifestVersion, parseManifest } from "./parse.js";

const example = readFileSync(new URL("./fixtures/support-triage.yaml", import.meta.url), "utf8");

/** The smallest valid manifest, as YAML lines, so tests can add one wrong line and know its number. */
const minimal = [
  "apiVersion: tollgate/v1", // 1
  "kind: Workflow", // 2
  "name: mini", // 3
  "description: d", // 4
  "owner: o", // 5
  "start: s", // 6
  "end: e", // 7
  "systems:", // 8
  "  tracker:", // 9
  "    connector: { type: mcp, command: node }", // 10
  "    actions:", // 11
  "      create_issue:", // 12
  "        class: WRITE", // 13
];

function errorsOf(source: string) {
  const r = parseManifest(source);
  if (r.ok) throw new Error("expected the manifest to be rejected");
  return r.errors;
}

describe("parseManifest", () => {
  it("accepts the example manifest of DESIGN §2 and applies defaults", () => {
    const r = parseManifest(example);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.manifest.name).toBe("support-triage");
    expect(r.manifest.systems.tracker?.actions.create_issue?.class).toBe("WRITE");
    expect(r.manifest.systems.chat?.connector).toMatchObject({ type: "http", timeout: "10s" });
    expect(r.manifest.approvals).toEqual({ timeout: "4h", onTimeout: "deny", approvers: ["role:approver"] });
    expect(r.manifest.policy.rules).toHaveLength(2);
    expect(r.version).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("fills every default of a minimal manifest", () => {
    const r = parseManifest(minimal.join("\n"));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.manifest.actingAs).toBe("service");
    expect(r.manifest.retry).toEqual({ maxAttempts: 3, initialDelay: "200ms", maxDelay: "5s", maxElapsed: "30s" });
    expect(r.manifest.approvals.approvers).toEqual(["role:approver"]);
    expect(r.manifest.policy).toEqual({});
    expect(r.manifest.rateLimits).toEqual({});
  });

  it("accepts JSON, with the same version as the equivalent YAML", () => {
    const yaml = parseManifest(example);
    if (!yaml.ok) throw new Error("example must parse");
    const json = parseManifest(JSON.stringify(yaml.manifest, null, 2));
    expect(json).toMatchObject({ ok: true, version: yaml.version });
  });

  it("reports YAML syntax errors with their line", () => {
    const errors = errorsOf([...minimal.slice(0, 3), "description: [unclosed", "owner: o"].join("\n"));
    expect(errors[0]?.message).toMatch(/YAML syntax/);
    expect(errors[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it("rejects duplicate keys and several documents", () => {
    expect(errorsOf([...minimal, "name: again"].join("\n"))).toEqual([
      { path: "", message: "YAML syntax: Map keys must be unique", line: 14 },
    ]);
    expect(errorsOf([...minimal, "---", "name: x"].join("\n"))[0]).toMatchObject({
      message: /single YAML document/,
      line: 14,
    });
  });

  it("rejects empty and non-mapping documents", () => {
    expect(errorsOf("")[0]?.message).toMatch(/empty/);
    expect(errorsOf("# only a comment\n")[0]?.message).toMatch(/empty/);
    expect(errorsOf("- a\n- b\n")[0]?.message).toMatch(/mapping/);
    expect(errorsOf("just text")[0]?.message).toMatch(/mapping/);
  });

  it("names path and line of a wrong action class", () => {
    const source = [...minimal.slice(0, 12), "        class: WRIT"].join("\n");
    expect(errorsOf(source)).toEqual([
      {
        path: "systems.tracker.actions.create_issue.class",
        message: "must be one of READ, WRITE, DELETE, EXTERNAL_SEND",
        line: 13,
      },
    ]);
  });

  it("rejects unknown keys with their own path and line", () => {
    const errors = errorsOf([...minimal, "        klass: READ", "colour: blue"].join("\n"));
    expect(errors).toEqual([
      { path: "systems.tracker.actions.create_issue.klass", message: 'unknown field "klass"', line: 14 },
      { path: "colour", message: 'unknown field "colour"', line: 15 },
    ]);
  });

  it("rejects a bad duration and a bad rate", () => {
    const errors = errorsOf(
      [...minimal, "approvals: { timeout: 4 hours }", "rateLimits: { tracker: fast }"].join("\n"),
    );
    expect(errors).toEqual([
      { path: "approvals.timeout", message: expect.stringMatching(/duration like 500ms/), line: 14 },
      { path: "rateLimits.tracker", message: expect.stringMatching(/rate like 5\/s/), line: 15 },
    ]);
  });

  it("accepts role groups of roles that decide approvals, and labels; names a role group no key can hold", () => {
    const approvals = (groups: string) =>
      [...minimal, `approvals: { onTimeout: escalate, approvers: [${groups}], escalateTo: [role:admin] }`].join("\n");
    expect(parseManifest(approvals("role:approver, team:payments")).ok).toBe(true);
    expect(errorsOf(approvals("role:aprover, role:auditor"))).toEqual([
      { path: "approvals.approvers[0]", message: expect.stringMatching(/role:admin or role:approver/), line: 14 },
      { path: "approvals.approvers[1]", message: expect.stringMatching(/role:admin or role:approver/), line: 14 },
    ]);
  });

  it("says a missing required field is required, at the parent's line", () => {
    const source = minimal.filter((l) => !l.startsWith("owner")).join("\n");
    expect(errorsOf(source)).toEqual([{ path: "owner", message: "is required", line: 1 }]);
    const noClass = [...minimal.slice(0, 12), "        description: x"].join("\n");
    expect(errorsOf(noClass)).toEqual([
      { path: "systems.tracker.actions.create_issue.class", message: "is required", line: 12 },
    ]);
  });

  it("rejects a rule whose match matches no action, naming the rule path", () => {
    const rules = (match: string) =>
      [...minimal, "policy:", "  rules:", `    - { name: r, match: "${match}", effect: block }`].join("\n");
    expect(errorsOf(rules("tracker.delete_issue"))).toEqual([
      { path: "policy.rules[0].match", message: expect.stringMatching(/matches no action/), line: 16 },
    ]);
    expect(errorsOf(rules("crm.*"))[0]).toMatchObject({
      path: "policy.rules[0].match",
      message: /unknown system "crm"/,
    });
    expect(errorsOf(rules("Tracker.*"))[0]).toMatchObject({ path: "policy.rules[0].match" });
    expect(parseManifest(rules("*.create_*")).ok).toBe(true);
    expect(parseManifest(rules("*")).ok).toBe(true);
  });

  it("rejects CEL that does not parse, or uses unknown names, at the rule's when", () => {
    const withWhen = (when: string) =>
      [
        ...minimal,
        "policy:",
        "  rules:",
        "    - name: r",
        "      match: tracker.*",
        `      when: '${when}'`,
        "      effect: block",
      ].join("\n");
    expect(errorsOf(withWhen("args.x >"))).toEqual([
      { path: "policy.rules[0].when", message: expect.stringMatching(/invalid CEL/), line: 18 },
    ]);
    expect(errorsOf(withWhen("arg.x == 1"))[0]?.message).toMatch(/unknown variable "arg"/);
    expect(errorsOf(withWhen('args.x.startz("a")'))[0]?.message).toMatch(/unknown function "startz"/);
    expect(
      parseManifest(withWhen('args.items.exists(i, i.qty > 2) && now > timestamp("2020-01-01T00:00:00Z")')).ok,
    ).toBe(true);
  });

  it("rejects bad system names", () => {
    const errors = errorsOf(
      [
        ...minimal.slice(0, 8),
        "  Bad__Name:",
        "    connector: { type: mcp, command: node }",
        "    actions: { a: { class: READ } }",
        ...minimal.slice(8),
      ].join("\n"),
    );
    expect(errors).toEqual([
      { path: "systems.Bad__Name", message: expect.stringMatching(/invalid name "Bad__Name"/), line: 9 },
    ]);
    expect(errorsOf(minimal.join("\n").replace("create_issue", "create__issue"))[0]?.message).toMatch(/"__"/);
  });

  it("rejects duplicate rule names and rate limits of unknown systems", () => {
    const errors = errorsOf(
      [
        ...minimal,
        "rateLimits: { crm: 5/s }",
        "policy:",
        "  rules:",
        "    - { name: r, match: tracker.create_issue, effect: block }",
        "    - { name: r, match: tracker.create_issue, effect: allow }",
      ].join("\n"),
    );
    expect(errors).toEqual([
      { path: "rateLimits.crm", message: 'unknown system "crm"', line: 14 },
      { path: "policy.rules[1].name", message: 'duplicate rule name "r" (first at policy.rules[0])', line: 18 },
    ]);
  });

  it("checks connectors against their actions", () => {
    const http = [
      ...minimal.slice(0, 9),
      "    connector: { type: http, baseUrl: 'ftp://x' }",
      "    actions:",
      "      create_issue: { class: WRITE }",
    ].join("\n");
    expect(errorsOf(http)[0]).toMatchObject({ path: "systems.tracker.connector.baseUrl", message: /http/, line: 10 });
    const noHttp = http.replace("ftp://x", "http://127.0.0.1:1");
    expect(errorsOf(noHttp)).toEqual([
      { path: "systems.tracker.actions.create_issue.http", message: expect.stringMatching(/need http/), line: 12 },
    ]);
    const leaky = noHttp.replace(
      "baseUrl: 'http://127.0.0.1:1'",
      "baseUrl: 'http://127.0.0.1:1', headers: { Authorization: x }",
    );
    expect(errorsOf(leaky)[0]).toMatchObject({
      path: "systems.tracker.connector.headers.Authorization",
      message: /credentials do not belong in a manifest/,
    });
    const both = minimal.join("\n").replace("command: node", "command: node, url: 'http://x'");
    expect(errorsOf(both)[0]).toMatchObject({ path: "systems.tracker.connector", line: 10 });
    const badType = minimal.join("\n").replace("type: mcp", "type: grpc");
    expect(errorsOf(badType)[0]).toMatchObject({
      path: "systems.tracker.connector.type",
      message: "must be one of http, mcp",
    });
  });

  it("checks input schemas", () => {
    const withInput = (input: string) => [...minimal, `        input: ${input}`].join("\n");
    expect(errorsOf(withInput("{ type: string }"))[0]).toMatchObject({
      path: "systems.tracker.actions.create_issue.input.type",
    });
    expect(errorsOf(withInput("{ type: object, properties: { a: { type: nope } } }"))[0]).toMatchObject({
      path: "systems.tracker.actions.create_issue.input",
      message: /invalid JSON Schema/,
    });
    expect(parseManifest(withInput("{ type: object, properties: { a: { type: string, format: email } } }")).ok).toBe(
      true,
    );
  });

  it("needs at least one system with at least one action", () => {
    expect(errorsOf([...minimal.slice(0, 7), "systems: {}"].join("\n"))).toEqual([
      { path: "systems", message: "name at least one system", line: 8 },
    ]);
    const noActions = [...minimal.slice(0, 10), "    actions: {}"].join("\n");
    expect(errorsOf(noActions)).toEqual([
      { path: "systems.tracker.actions", message: "a system needs at least one action", line: 11 },
    ]);
  });

  it("says whole numbers and positive amounts where they are needed", () => {
    expect(errorsOf([...minimal, "budgets: { toolCalls: 1.5, costUsd: -1 }"].join("\n"))).toEqual([
      { path: "budgets.toolCalls", message: "must be a whole number", line: 14 },
      { path: "budgets.costUsd", message: "expected number to be >0", line: 14 },
    ]);
  });

  it("rejects retry delays in the wrong order and attempts out of range", () => {
    const errors = errorsOf([...minimal, "retry: { maxAttempts: 11, initialDelay: 10s, maxDelay: 1s }"].join("\n"));
    expect(errors.map((e) => e.path)).toEqual(["retry.maxAttempts", "retry.initialDelay"]);
    const order = errorsOf([...minimal, "retry: { initialDelay: 10s, maxDelay: 1s }"].join("\n"));
    expect(order).toEqual([{ path: "retry.initialDelay", message: expect.stringMatching(/longer than/), line: 14 }]);
  });

  it("reports several errors at once, in source order", () => {
    const source = [...minimal.slice(0, 2), "name: Not Valid", ...minimal.slice(3, 12), "        class: NOPE"].join(
      "\n",
    );
    expect(errorsOf(source).map((e) => e.line)).toEqual([3, 13]);
  });
});

describe("manifestVersion", () => {
  it("does not depend on key order or layout", () => {
    const a = parseManifest(minimal.join("\n"));
    const reordered = [...minimal.slice(7), ...minimal.slice(0, 7)].join("\n");
    const b = parseManifest(`# comment\n${reordered}\n`);
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(b.version).toBe(a.version);
      expect(manifestVersion(a.manifest)).toBe(a.version);
    }
  });

  it("counts defaults: spelling out a default value gives the same version", () => {
    const a = parseManifest(minimal.join("\n"));
    const b = parseManifest([...minimal, "actingAs: service", "retry: { maxAttempts: 3 }"].join("\n"));
    expect(a.ok && b.ok && a.version === b.version).toBe(true);
  });

  it("changes when the meaning changes", () => {
    const a = parseManifest(minimal.join("\n"));
    const b = parseManifest(minimal.join("\n").replace("class: WRITE", "class: READ"));
    expect(a.ok && b.ok && a.version !== b.version).toBe(true);
  });
});

describe("loadManifest", () => {
  it("returns the manifest and version", () => {
    expect(loadManifest(example).manifest.name).toBe("support-triage");
  });

  it("throws invalid_manifest with every error attached", () => {
    try {
      loadManifest([...minimal.slice(0, 12), "        class: WRIT", "x: 1"].join("\n"));
      expect.unreachable();
    } catch (e) {
      expect(isTollgateError(e) && e.code).toBe("invalid_manifest");
      if (!isTollgateError(e)) return;
      expect(e.message).toBe(
        "invalid manifest: systems.tracker.actions.create_issue.class, line 13: must be one of READ, WRITE, DELETE, EXTERNAL_SEND (and 1 more)",
      );
      expect(e.extra.errors).toHaveLength(2);
    }
  });
});
