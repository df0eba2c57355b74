export type { ModelPrice, TokenUsage } from "./pricing.js";
export { costOf, priceFor, reservationOf } from "./pricing.js";
export { examplePrices } from "./example-prices.js";
export type { OutlierOptions, OutlierVerdict } from "./robust.js";
export { defaultOutlierOptions, farAbove, levelsReached, median, medianAbsoluteDeviation } from "./robust.js";
export { spendPeriods } from "./periods.js";
