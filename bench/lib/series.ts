/** Small, dependency-free helpers for a series of samples over time (the million run). */

/** Least-squares line through the points; slope 0 for fewer than two distinct x. */
export function linearFit(points: readonly { x: number; y: number }[]): {
  slope: number;
  intercept: number;
} {
  const n = points.length;
  if (n === 0) return { slope: 0, intercept: NaN };
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/**
 * How much the fitted line rises over the points' x-range, relative to their mean y: +0.1 = the
 * trend grew 10% from the first to the last point. A flat series gives ~0. NaN without points.
 */
export function fitChange(points: readonly { x: number; y: number }[]): number {
  if (points.length === 0) return NaN;
  const xs = points.map((p) => p.x);
  const mean = points.reduce((s, p) => s + p.y, 0) / points.length;
  const { slope } = linearFit(points);
  return (slope * (Math.max(...xs) - Math.min(...xs))) / mean;
}

/** At most `max` rows, evenly spaced, always keeping the first and the last. */
export function downsample<T>(rows: readonly T[], max: number): T[] {
  if (rows.length <= max) return [...rows];
  if (max < 2) return rows.slice(-max);
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(rows[Math.round((i * (rows.length - 1)) / (max - 1))]!);
  return out;
}

/** Mean of the values; NaN when empty. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
