/** Small, dependency-free statistics for benchmark samples. */

/** Median of the values (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * Percentile by linear interpolation between closest ranks (the spreadsheet PERCENTILE.INC
 * definition); NaN when empty.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low]!;
  return lowValue + (sorted[high]! - lowValue) * (rank - low);
}

/** Most timestamps that fall in any window [t, t + windowMs), over all t. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  return busiestWindow(times, windowMs).count;
}

/** The busiest window [start, start + windowMs) and how many timestamps it holds. */
export function busiestWindow(
  times: readonly number[],
  windowMs: number,
): { count: number; start: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let best = { count: 0, start: NaN };
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    if (i - j + 1 > best.count) best = { count: i - j + 1, start: sorted[j]! };
  }
  return best;
}

/** a / b, or null when either is missing or b is zero. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/** Summary of a distribution, in the sample's unit. */
export function summary(values: readonly number[]): {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
} {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
  };
}
