import { describe, expect, it } from "vitest";
import { parseRate } from "../duration.js";
import { fullBucket, pauseBucket, takeToken } from "./token-bucket.js";

describe("token bucket", () => {
  const rate = parseRate("5/s");

  it("allows a burst of the rate's size, then spaces calls by the rate", () => {
    let s = fullBucket(rate, 0);
    for (let i = 0; i < 5; i++) {
      const r = takeToken(s, rate, 0);
      expect(r.waitMs).toBe(0);
      s = r.state;
    }
    const sixth = takeToken(s, rate, 0);
    expect(sixth.waitMs).toBe(200);
    expect(takeToken(sixth.state, rate, 200).waitMs).toBe(0);
  });

  it("refills up to the burst only", () => {
    const s = { tokens: 0, at: 0, pausedUntil: 0 };
    const later = takeToken(s, rate, 60_000);
    expect(later.waitMs).toBe(0);
    expect(later.state.tokens).toBe(4);
  });

  it("pauses after an upstream 429 for its Retry-After", () => {
    const s = pauseBucket(fullBucket(rate, 0), 0, 3000);
    expect(takeToken(s, rate, 1000).waitMs).toBe(2000);
    expect(takeToken(s, rate, 3000).waitMs).toBe(0);
  });

  it("handles per-minute rates", () => {
    const perMinute = parseRate("60/m");
    let s = fullBucket(perMinute, 0);
    for (let i = 0; i < 60; i++) s = takeToken(s, perMinute, 0).state;
    expect(takeToken(s, perMinute, 0).waitMs).toBe(1000);
  });
});
