import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../manifest/compile.js";
import { loadManifest } from "../manifest/parse.js";
import { decide, effectiveDefault } from "./decide.js";
import type { ActionClass, DecisionInput } from "./types.js";

/** A workflow with one action per class; `policy` is YAML lines under `policy:`. */
function workflow(policy: string[] = []) {
  const { manifest, version } = loadManifest(
    [
      "apiVersion: tollgate/v1",
      "kind: Workflow",
      "name: t",
      "description: d",
      "owner: o",
      "start: s",
      "end: e",
      "systems:",
      "  shop:",
      "    connector: { type: mcp, command: node }",
      "    actions:",
      "      get_order: { class: READ }",
      "      refund: { class: WRITE }",
      "      delete_order: { class: DELETE }",
      "      email_customer: { class: EXTERNAL_SEND }",
      ...(policy.length ? ["policy:", ...policy.map((l) => `  ${l}`)] : []),
    ].join("\n"),
  );
  return compileWorkflow(manifest, version);
}

const classOf: Record<string, ActionClass> = {
  get_order: "READ",
  refund: "WRITE",
  delete_order: "DELETE",
  email_customer: "EXTERNAL_SEND",
};

function call(action: string, args: Record<string, unknown> = {}, extra: Partial<DecisionInput> = {}): DecisionInput {
  return {
    tool: { system: "shop", action, class: classOf[action] ?? "WRITE" },
    args,
    run: { agent: "bot", actingAs: "service", labels: { env: "prod" } },
    usage: { toolCalls: 3, costUsd: 0.25 },
    now: new Date("2024-05-06T10:00:00Z"),
    ...extra,
  };
}

describe("decide: defaults", () => {
  it("uses READ allow and approve for everything else when no defaults are written", () => {
    const wf = workflow();
    expect(decide(wf, call("get_order"))).toEqual({
      effect: "allow",
      rules: [],
      reason: "default for READ is allow",
      defaulted: true,
    });
    for (const a of ["refund", "delete_order", "email_customer"]) expect(decide(wf, call(a)).effect).toBe("approve");
    expect(decide(wf, call("refund")).reason).toBe("default for WRITE is approve");
  });

  it("uses the manifest's defaults, falling back per class", () => {
    const wf = workflow(["defaults: { WRITE: allow, DELETE: block }"]);
    expect(decide(wf, call("refund")).effect).toBe("allow");
    expect(decide(wf, call("delete_order"))).toMatchObject({ effect: "block", defaulted: true });
    expect(decide(wf, call("email_customer")).effect).toBe("approve");
    expect(effectiveDefault(wf, "DELETE")).toBe("block");
    expect(effectiveDefault(wf, "READ")).toBe("allow");
  });
});

describe("decide: rules", () => {
  it("applies every rule whose match and when hold", () => {
    const wf = workflow([
      "rules:",
      "  - { name: a, match: 'shop.*', effect: allow }",
      "  - { name: b, match: shop.refund, when: 'args.amount > 100', effect: approve }",
      "  - { name: c, match: shop.refund, when: 'args.amount > 1000', effect: approve }",
      "  - { name: d, match: '*.get_*', effect: allow }",
    ]);
    expect(decide(wf, call("refund", { amount: 150 }))).toEqual({
      effect: "approve",
      rules: ["a", "b"],
      reason: "rule b: requires approval",
      defaulted: false,
    });
    expect(decide(wf, call("refund", { amount: 5 }))).toMatchObject({ effect: "allow", rules: ["a"] });
    expect(decide(wf, call("get_order")).rules).toEqual(["a", "d"]);
  });

  it("lets block beat approve beat allow, whatever the rule order", () => {
    const rules = [
      "  - { name: allow-it, match: shop.refund, effect: allow }",
      "  - { name: approve-it, match: shop.refund, effect: approve, reason: money moves }",
      "  - { name: block-it, match: shop.refund, effect: block, reason: refunds are frozen }",
    ];
    for (const order of [rules, [...rules].reverse(), [rules[1]!, rules[2]!, rules[0]!]]) {
      const d = decide(workflow(["rules:", ...order]), call("refund"));
      expect(d.effect).toBe("block");
      expect(d.reason).toBe("rule block-it: refunds are frozen");
      expect(d.rules).toHaveLength(3);
    }
    const d = decide(workflow(["rules:", rules[0]!, rules[1]!]), call("refund"));
    expect(d).toMatchObject({ effect: "approve", reason: "rule approve-it: money moves" });
  });

  it("lets a rule loosen a default, and joins the reasons of equal winners", () => {
    const wf = workflow([
      "defaults: { DELETE: block }",
      "rules:",
      "  - { name: x, match: shop.delete_order, when: 'args.id == \"test\"', effect: approve }",
      "  - { name: y, match: 'shop.*', when: 'run.labels.env == \"dev\"', effect: approve }",
    ]);
    expect(decide(wf, call("delete_order", { id: "test" }))).toMatchObject({ effect: "approve", defaulted: false });
    expect(decide(wf, call("delete_order", { id: "prod" }))).toMatchObject({ effect: "block", defaulted: true });
    const both = decide(wf, call("delete_order", { id: "test" }, { run: { labels: { env: "dev" } } }));
    expect(both.reason).toBe("rule x: requires approval; rule y: requires approval");
  });

  it("tests rules against a tool outside the boundary by their globs", () => {
    const wf = workflow(["rules:", "  - { name: all, match: '*', effect: block }"]);
    const d = decide(wf, { ...call("refund"), tool: { system: "shop", action: "drop_tables", class: "DELETE" } });
    expect(d).toMatchObject({ effect: "block", rules: ["all"] });
  });
});

describe("decide: errors never loosen", () => {
  const wf = workflow([
    "defaults: { WRITE: allow }",
    "rules:",
    "  - { name: blocker, match: shop.refund, when: 'args.reason.size() > 3', effect: block }",
    "  - { name: approver, match: shop.email_customer, when: 'args.to.endsWith(\"@corp\")', effect: approve }",
    "  - { name: allower, match: shop.delete_order, when: 'args.id.startsWith(\"tmp-\")', effect: allow }",
    "  - { name: not-bool, match: shop.get_order, when: 'args.id', effect: allow }",
    "  - { name: not-bool-block, match: shop.get_order, when: 'args.id + 1', effect: block }",
  ]);

  it("makes a block rule apply when its condition errors", () => {
    const d = decide(wf, call("refund", {}));
    expect(d).toMatchObject({ effect: "block", rules: ["blocker"], defaulted: false });
    expect(d.errors).toEqual([{ rule: "blocker", message: expect.stringMatching(/reason/) }]);
    expect(d.reason).toMatch(/^rule blocker applies because its condition failed/);
  });

  it("makes an approve rule apply when its condition errors", () => {
    const d = decide(wf, call("email_customer", { to: 42 }));
    expect(d).toMatchObject({ effect: "approve", rules: ["approver"] });
    expect(d.errors).toHaveLength(1);
  });

  it("makes an allow rule not apply when its condition errors", () => {
    const d = decide(wf, call("delete_order", {}));
    expect(d).toMatchObject({ effect: "approve", rules: [], defaulted: true });
    expect(d.errors?.[0]?.rule).toBe("allower");
    expect(decide(wf, call("delete_order", { id: "tmp-1" }))).toMatchObject({ effect: "allow", rules: ["allower"] });
  });

  it("treats a non-boolean result as an error", () => {
    const d = decide(wf, call("get_order", { id: 5 }));
    expect(d).toMatchObject({ effect: "block", rules: ["not-bool-block"] });
    expect(d.errors?.map((e) => e.rule)).toEqual(["not-bool", "not-bool-block"]);
    expect(d.errors?.[0]?.message).toMatch(/not a boolean/);
  });
});

describe("decide: CEL bindings", () => {
  const rule = (when: string) =>
    workflow(["rules:", `  - { name: r, match: 'shop.*', when: '${when}', effect: block }`]);
  const holds = (when: string, input: DecisionInput) => {
    const d = decide(rule(when), input);
    expect(d.errors).toBeUndefined();
    return d.effect === "block";
  };

  it("compares JSON numbers with int and double literals", () => {
    expect(holds("args.amount > 100", call("refund", { amount: 150 }))).toBe(true);
    expect(holds("args.amount > 100", call("refund", { amount: 99.5 }))).toBe(false);
    expect(holds("args.amount > 99.9", call("refund", { amount: 100 }))).toBe(true);
    expect(holds("args.amount == 150", call("refund", { amount: 150 }))).toBe(true);
    expect(holds("args.count + 1 > 3", call("refund", { count: 3 }))).toBe(true);
    expect(
      holds("args.items.size() == 2 && args.items[1].qty >= 2", call("refund", { items: [{ qty: 1 }, { qty: 2 }] })),
    ).toBe(true);
  });

  it("supports has() on args", () => {
    expect(holds('has(args.project) && args.project == "SEC"', call("refund", { project: "SEC" }))).toBe(true);
    expect(holds('has(args.project) && args.project == "SEC"', call("refund", {}))).toBe(false);
    expect(holds("has(args.nested.deep)", call("refund", { nested: { deep: 0 } }))).toBe(true);
    expect(holds("has(args.nested.deep)", call("refund", { nested: {} }))).toBe(false);
  });

  it("binds tool, run, usage and now", () => {
    expect(holds('tool.system == "shop" && tool.action == "refund" && tool.class == "WRITE"', call("refund"))).toBe(
      true,
    );
    expect(holds('run.agent == "bot" && run.actingAs == "service" && run.labels.env == "prod"', call("refund"))).toBe(
      true,
    );
    expect(holds("usage.toolCalls >= 3 && usage.costUsd < 1.0", call("refund"))).toBe(true);
    expect(holds('now > timestamp("2024-01-01T00:00:00Z") && now.getHours() == 10', call("refund"))).toBe(true);
    expect(holds("has(run.agent)", call("refund", {}, { run: {} }))).toBe(false);
  });

  it("treats objects in arguments as maps, even one that names a protobuf type", () => {
    const spoof = { x: { $typeName: "google.protobuf.Timestamp", seconds: 1 } };
    expect(
      holds('args.x["$typeName"] == "google.protobuf.Timestamp" && args.x.seconds == 1', call("refund", spoof)),
    ).toBe(true);
  });

  it("offers the strings extension", () => {
    expect(holds('args.title.lowerAscii().contains("urgent")', call("refund", { title: "URGENT fix" }))).toBe(true);
  });
});

describe("decide: how many approvers", () => {
  it("asks for what the strictest applied approve rule or the class default says", () => {
    const wf = workflow([
      "defaults: { DELETE: { effect: approve, approvals: { required: 3 } } }",
      "rules:",
      "  - { name: big-refunds, match: shop.refund, when: 'args.amount > 100', effect: approve, approvals: { required: 2 } }",
      "  - { name: all-refunds, match: shop.refund, effect: approve }",
    ]);
    expect(decide(wf, call("refund", { amount: 500 }))).toMatchObject({ effect: "approve", approvalsRequired: 2 });
    expect(decide(wf, call("refund", { amount: 5 })).approvalsRequired).toBeUndefined();
    expect(decide(wf, call("delete_order"))).toMatchObject({
      effect: "approve",
      defaulted: true,
      approvalsRequired: 3,
    });
    expect(decide(wf, call("email_customer")).approvalsRequired).toBeUndefined();
  });

  it("refuses approvals on a rule or default that does not approve, and escalate without a group", () => {
    expect(() =>
      workflow(["rules:", "  - { name: r, match: shop.refund, effect: allow, approvals: { required: 2 } }"]),
    ).toThrow(/approvals only applies to a rule whose effect is approve/);
    expect(() => workflow(["defaults: { WRITE: { effect: block, approvals: { required: 2 } } }"])).toThrow(
      /approvals only applies to a default/,
    );
  });
});

describe("decide: many rules", () => {
  // Each kind of condition, written both in the forms evaluated directly and in ones only CEL evaluates.
  const conditions = [
    { when: undefined, holds: true },
    { when: "args.amount > 100", holds: true },
    { when: "has(args.amount) && args.amount == 7", holds: false },
    { when: "args.missing == 1", error: /missing/ },
    { when: 'args.title.startsWith("Re")', holds: true },
    { when: "args.missing.size() > 0", error: /missing/ },
    { when: "args.amount", error: /not a boolean/ },
  ];
  const effects = ["allow", "approve", "block"] as const;
  const verbs = { allow: "allows this call", approve: "requires approval", block: "blocks this call" };
  const matches = ["shop.refund", "'shop.*'", "'*.refund'", "shop.get_order"];
  const rules = Array.from({ length: 100 }, (_, i) => ({
    name: `r${i}`,
    match: matches[i % matches.length]!,
    ...conditions[i % conditions.length]!,
    effect: effects[Math.floor(i / conditions.length) % effects.length]!,
  }));
  const wf = workflow([
    "rules:",
    ...rules.map(
      (r) => `  - { name: ${r.name}, match: ${r.match}, effect: ${r.effect}${r.when ? `, when: '${r.when}'` : ""} }`,
    ),
  ]);

  it("lists every rule that applies and reports every condition that errors, in manifest order", () => {
    const d = decide(wf, call("refund", { amount: 150, title: "Re: refund" }));
    const candidates = rules.filter((r) => r.match !== "shop.get_order");
    const failed = candidates.filter((r) => r.error);
    const applied = candidates.filter((r) => r.holds || (r.error && r.effect !== "allow"));
    expect(d.errors?.map((e) => e.rule)).toEqual(failed.map((r) => r.name));
    for (const [i, e] of (d.errors ?? []).entries()) expect(e.message).toMatch(failed[i]!.error!);
    expect(d.rules).toEqual(applied.map((r) => r.name));
    expect(d.effect).toBe("block");
    const message = new Map(d.errors?.map((e) => [e.rule, e.message]));
    const reasons = applied
      .filter((r) => r.effect === "block")
      .map((r) =>
        r.error
          ? `rule ${r.name} applies because its condition failed (${message.get(r.name)})`
          : `rule ${r.name}: ${verbs.block}`,
      );
    expect(d.reason).toBe(reasons.join("; "));
  });
});
