import { describe, expect, it } from "vitest";
import { newId, newSpanId, newTraceId } from "./ids.js";

describe("ids", () => {
  it("are a prefix and 20 characters that sort by creation time", () => {
    const earlier = newId("run", Date.parse("2026-01-01T00:00:00Z"));
    const later = newId("run", Date.parse("2026-01-01T00:00:01Z"));
    expect(earlier).toMatch(/^run_[0-9a-z]{20}$/);
    expect(earlier < later).toBe(true);
  });

  it("span and trace ids are W3C hex of the right length, fresh every time across pool refills", () => {
    const spans = new Set<string>();
    for (let i = 0; i < 2_000; i++) spans.add(newSpanId());
    expect(spans.size).toBe(2_000);
    for (const span of spans) expect(span).toMatch(/^[0-9a-f]{16}$/);
    expect(newTraceId()).toMatch(/^[0-9a-f]{32}$/);
  });
});
