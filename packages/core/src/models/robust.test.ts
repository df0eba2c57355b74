import { describe, expect, it } from "vitest";
import { costOf, priceFor, reservationOf } from "./pricing.js";
import { farAbove, levelsReached, median, medianAbsoluteDeviation } from "./robust.js";
import { spendPeriods } from "./periods.js";

describe("robust statistics", () => {
  it("computes median and MAD", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 100])).toBe(1);
  });

  it("finds a value far above its normal, unmoved by a past outlier", () => {
    const history = [0.1, 0.12, 0.09, 0.11, 0.1, 5];
    expect(farAbove(1.2, history).outlier).toBe(true);
    expect(farAbove(0.13, history).outlier).toBe(false);
  });

  it("judges nothing without enough history, and copes with identical history", () => {
    expect(farAbove(100, [1, 1, 1]).outlier).toBe(false);
    expect(farAbove(10, [1, 1, 1, 1, 1]).outlier).toBe(true);
    expect(farAbove(1.01, [1, 1, 1, 1, 1]).outlier).toBe(false);
  });

  it("says which levels of a limit are reached", () => {
    expect(levelsReached(7, 10, [0.8, 1])).toEqual([]);
    expect(levelsReached(8, 10, [0.8, 1])).toEqual([0.8]);
    expect(levelsReached(10, 10, [0.8, 1])).toEqual([0.8, 1]);
    expect(levelsReached(10, undefined, [0.8, 1])).toEqual([]);
  });
});

describe("pricing", () => {
  const price = { inputPerMTok: 2, outputPerMTok: 10 };
  it("costs usage and bounds a call from above", () => {
    expect(costOf(price, { inputTokens: 1_000_000, outputTokens: 100_000 })).toBeCloseTo(3, 9);
    const reserve = reservationOf(price, 400, 2, 100);
    expect(reserve).toBeGreaterThan(costOf(price, { inputTokens: 400, outputTokens: 100 }));
  });

  it("finds a price by exact name or dated variant", () => {
    const table = { "gpt-4o": price, "gpt-4o-mini": { inputPerMTok: 1, outputPerMTok: 1 } };
    expect(priceFor(table, "gpt-4o-mini-2024-07-18")?.inputPerMTok).toBe(1);
    expect(priceFor(table, "gpt-4o")).toBe(price);
    expect(priceFor(table, "gpt-5")).toBeUndefined();
  });

  it("names UTC spend periods", () => {
    expect(spendPeriods(new Date("2026-03-31T23:59:59Z"))).toEqual({ day: "2026-03-31", month: "2026-03" });
  });
});
