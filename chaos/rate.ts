/** Most timestamps (ms) in any one-second span: the rate a vendor would have seen at its worst. */
export function maxPerSecond(times: readonly number[]): { max: number; at: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let at = sorted[0] ?? 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    if (i - j + 1 > max) {
      max = i - j + 1;
      at = sorted[j]!;
    }
  }
  return { max, at };
}
