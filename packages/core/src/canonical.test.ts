import { describe, expect, it } from "vitest";
import { canonicalJson, hashJson } from "./canonical.js";

describe("canonical JSON", () => {
  it("sorts keys at every depth, drops undefined members and writes no whitespace", () => {
    const value = { b: 1, a: { d: [3, { z: true, y: null }], c: "x" }, u: undefined, é: "accent", A: 0 };
    expect(canonicalJson(value)).toBe('{"A":0,"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1,"é":"accent"}');
  });

  it("writes what JSON cannot hold as null, and escapes keys and strings", () => {
    expect(canonicalJson([undefined, Number.NaN, Number.POSITIVE_INFINITY, 1.5])).toBe("[null,null,null,1.5]");
    expect(canonicalJson({ 'q"uote': "line\nbreak" })).toBe('{"q\\"uote":"line\\nbreak"}');
    expect(canonicalJson({})).toBe("{}");
    expect(canonicalJson([])).toBe("[]");
    expect(canonicalJson({ only: undefined })).toBe("{}");
    expect(canonicalJson({ skipped: undefined, kept: 1 })).toBe('{"kept":1}');
  });

  it("gives the same hash to the same value whatever the order of its keys", () => {
    expect(hashJson({ a: 1, b: [1, 2] })).toBe(hashJson({ b: [1, 2], a: 1 }));
    expect(hashJson({ a: 1 })).not.toBe(hashJson({ a: "1" }));
  });
});
