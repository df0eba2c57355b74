/** Robust statistics for "far above its recent normal": median and median absolute deviation. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function medianAbsoluteDeviation(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

export interface OutlierOptions {
  /** fewer past values than this: no judgement (a new workflow has no normal yet) */
  minHistory: number;
  /** modified z-score above which a value is far above (Iglewicz and Hoaglin suggest 3.5) */
  threshold: number;
  /** the value must also be at least this many times the median (small absolute wobbles are normal) */
  minRatio: number;
}

export const defaultOutlierOptions: OutlierOptions = { minHistory: 5, threshold: 3.5, minRatio: 2 };

export interface OutlierVerdict {
  outlier: boolean;
  median: number;
  mad: number;
  /** modified z-score 0.6745·(x − median)/MAD (MAD floored at 5% of the median so identical history still judges) */
  score: number;
}

/**
 * Whether `value` is far above `history`. Median and MAD are not moved by the outliers of the
 * past, unlike mean and standard deviation.
 */
export function farAbove(
  value: number,
  history: readonly number[],
  opts: OutlierOptions = defaultOutlierOptions,
): OutlierVerdict {
  const m = median(history);
  const mad = medianAbsoluteDeviation(history);
  if (history.length < opts.minHistory) return { outlier: false, median: m, mad, score: 0 };
  const spread = Math.max(mad, Math.abs(m) * 0.05, 1e-9);
  const score = (0.6745 * (value - m)) / spread;
  const outlier = score > opts.threshold && value >= m * opts.minRatio && value > 0;
  return { outlier, median: m, mad, score };
}

/** Which of the levels (fractions of a limit, e.g. 0.8 and 1) `used` has reached. */
export function levelsReached(used: number, limit: number | null | undefined, levels: readonly number[]): number[] {
  if (limit === null || limit === undefined || !(limit > 0)) return [];
  return levels.filter((l) => used >= limit * l - 1e-9);
}
