import type { CelInput } from "@bufbuild/cel";
import { describe, expect, it } from "vitest";
import { compileWhen, timestamp, toCel } from "./cel.js";

/** The bindings `decide` builds, for the given arguments. */
function bindings(args: Record<string, unknown>): Record<string, CelInput> {
  return {
    args: toCel(args),
    tool: toCel({ system: "shop", action: "refund", class: "WRITE" }),
    run: toCel({ agent: "bot", labels: { env: "prod" } }),
    usage: toCel({ toolCalls: 3, costUsd: 0.25 }),
    now: timestamp(new Date("2024-05-06T10:00:00Z")),
  };
}

const inputs: Record<string, unknown>[] = [
  {
    n: 3,
    m: 3,
    d: 2.5,
    s: "x",
    b: true,
    obj: { k: 1 },
    nul: null,
    list: [1],
    astral: "\u{10000}",
    nan: Number.NaN,
    big: 2 ** 60,
    negzero: -0,
  },
  { n: -1, m: 4, d: 3, s: "", b: false, obj: {}, list: [] },
  {},
  { n: "3", d: "2.5", s: 5, b: 0, obj: "text", list: { k: 1 } },
];

// Every form the direct check handles, on values of the right and the wrong kinds.
const conditions = [
  "has(args.n) && args.n == 3",
  "has(args.n) && args.n == -1",
  "args.n == 3",
  "args.n != 3",
  "args.n == 3.0",
  'args.n == "3"',
  "args.n == true",
  "args.n < 3",
  "args.n <= 3",
  "args.n > 2.5",
  "args.n >= 3.5",
  "args.n == args.m",
  "args.n < args.d",
  "args.d >= 2",
  "args.d == 2.5",
  'args.s == "x"',
  'args.s != "x"',
  'args.s < "y"',
  'args.s >= ""',
  "args.s < 1",
  "args.b == true",
  "args.b < true",
  "!args.b",
  "!(args.n == 3)",
  "!args.n",
  "has(args.obj)",
  "has(args.obj.k)",
  "has(args.s.k)",
  "has(args.nul)",
  "has(args.missing.k)",
  "args.obj.k == 1",
  "args.nul == 1",
  "args.list == 1",
  'args.astral < "\\uffff"',
  "args.nan == args.nan",
  "args.nan < 1",
  "args.big == 1152921504606846976",
  "args.big > 1152921504606846975",
  "args.negzero == 0",
  "args.missing == 1",
  "args.missing == 1 && false",
  "false && args.missing == 1",
  "args.missing == 1 || true",
  "true || args.missing == 1",
  "args.n && true",
  "args.n || false",
  'tool.class == "WRITE" && run.labels.env == "prod"',
  "usage.toolCalls >= 3 || usage.costUsd > 1.0",
  "usage.costUsd < 1",
  "has(run.agent) && !has(run.actingAs)",
  "1 == 1 && 2 < 3.5",
  "true",
];

describe("direct evaluation of simple conditions", () => {
  it("gives CEL's answer whenever it gives one", () => {
    let answered = 0;
    for (const source of conditions) {
      const { evaluate, direct } = compileWhen(source);
      for (const args of inputs) {
        const b = bindings(args);
        const fromDirect = direct?.(b);
        if (fromDirect === undefined) continue;
        answered++;
        expect({ source, args, answer: fromDirect }).toEqual({ source, args, answer: evaluate(b) });
      }
    }
    // Most of the matrix is answered directly, so the comparison above means something.
    expect(answered).toBeGreaterThan(100);
  });

  it("answers the common shapes without CEL, and leaves errors to CEL", () => {
    const direct = (source: string, args: Record<string, unknown>) => compileWhen(source).direct?.(bindings(args));
    expect(direct("has(args.n) && args.n == 3", { n: 3 })).toBe(true);
    expect(direct("has(args.n) && args.n == 3", {})).toBe(false);
    expect(direct('args.project == "SEC" || run.labels.env == "dev"', { project: "SEC" })).toBe(true);
    expect(direct("args.amount > 100", { amount: 99.5 })).toBe(false);
    // No such key, no overload, not a bool: CEL's to report.
    expect(direct("args.n == 3", {})).toBeUndefined();
    expect(direct("args.n < 3", { n: "3" })).toBeUndefined();
    expect(direct("args.n", { n: true })).toBe(true);
    expect(direct("args.n", { n: 1 })).toBeUndefined();
  });

  it("is not used for other forms", () => {
    for (const source of [
      'args.channel.startsWith("#support-")',
      "args.items.size() > 2",
      'args.x in ["a"]',
      "args.n == null",
      "[1].exists(args, args == 1)",
      'now > timestamp("2024-01-01T00:00:00Z")',
      "args.n > 0 ? true : false",
      'args["n"] == 1',
    ]) {
      expect(compileWhen(source).direct, source).toBeUndefined();
    }
  });
});
