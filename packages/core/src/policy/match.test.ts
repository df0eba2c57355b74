import { describe, expect, it } from "vitest";
import { compileMatch, literalSystem } from "./match.js";

describe("compileMatch", () => {
  const ids = ["tracker.create_issue", "tracker.delete_issue", "chat.post_message", "trackers.x"];
  const matching = (p: string) => ids.filter(compileMatch(p));

  it("matches exact ids, system globs, any-action globs and *", () => {
    expect(matching("tracker.create_issue")).toEqual(["tracker.create_issue"]);
    expect(matching("tracker.*")).toEqual(["tracker.create_issue", "tracker.delete_issue"]);
    expect(matching("*.delete_*")).toEqual(["tracker.delete_issue"]);
    expect(matching("*_issue")).toEqual(["tracker.create_issue", "tracker.delete_issue"]);
    expect(matching("*")).toEqual(ids);
    expect(matching("tracker")).toEqual([]);
  });

  it("treats dots literally", () => {
    expect(compileMatch("a.b")("axb")).toBe(false);
    expect(compileMatch("a.*b")("axb")).toBe(false);
  });

  it("names the system a pattern fixes", () => {
    expect(literalSystem("tracker.*")).toBe("tracker");
    expect(literalSystem("*.x")).toBeUndefined();
    expect(literalSystem("tr*.x")).toBeUndefined();
  });
});
