/**
 * A frequency cap: at most `count` conversations started per recipient in any sliding window of
 * `periodMs`, across every batch of the prefix. Written `N/PERIOD`: `1/7d`, `3/24h`, `2/90m`.
 */
export interface FrequencyCap {
  count: number;
  periodMs: number;
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** The longest period a cap may have: how long the contact history is kept. */
export const MAX_CAP_PERIOD_MS = 366 * 86_400_000;

export const FREQUENCY_CAP_RULE =
  'must be N/PERIOD: a whole number of conversations per period of a whole number and a unit ' +
  `(s, m, h, d, w), e.g. 1/7d or 3/24h; the period at most 366 days`;

export class FrequencyCapError extends Error {
  override readonly name = 'FrequencyCapError';
}

export function parseFrequencyCap(text: string): FrequencyCap {
  const match = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*([smhdw])\s*$/i.exec(text);
  const count = match ? Number(match[1]) : NaN;
  const periodMs = match ? Number(match[2]) * UNIT_MS[match[3]!.toLowerCase()]! : NaN;
  if (!(count >= 1) || !(periodMs >= 1000) || periodMs > MAX_CAP_PERIOD_MS) {
    throw new FrequencyCapError(`${JSON.stringify(text)} ${FREQUENCY_CAP_RULE}`);
  }
  return { count, periodMs };
}

/** The cap as `N/PERIOD`, in the largest unit that divides the period. */
export function formatFrequencyCap(cap: FrequencyCap): string {
  for (const unit of ['w', 'd', 'h', 'm', 's']) {
    const ms = UNIT_MS[unit]!;
    if (cap.periodMs % ms === 0) return `${cap.count}/${cap.periodMs / ms}${unit}`;
  }
  return `${cap.count}/${Math.round(cap.periodMs / 1000)}s`;
}
