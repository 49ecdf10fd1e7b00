/**
 * The fault mix of the simulator: which share of requests gets which bad answer.
 * Parsed from the `--faults` flag of `chatbatch mock-api`, e.g.
 * `5xx=0.1,429=0.05,reset=0.02,lost=0.02,malformed=0.01,error=0.01,retry-after=1`.
 */

/**
 * Every fault the simulator can inject. The order is the order in which a single random draw
 * is mapped onto the cumulative fractions, so it is fixed to keep seeded runs reproducible.
 */
export const FAULT_KINDS = [
  '5xx',
  '429',
  'reset',
  'lost',
  'malformed',
  'error',
  '401',
  '422',
  '500',
  '502',
  '503',
  '504',
] as const;

/**
 * - `5xx`: one of 500/502/503/504 at random, JSON error body, no chat created.
 * - `429`: rate limited, with `Retry-After`, no chat created.
 * - `reset`: the socket is destroyed without an answer, before any chat is created.
 * - `lost`: the chat IS created (and logged), then the socket is destroyed without an answer.
 * - `malformed`: 200 with a body that is not the documented shape (no chat created).
 * - `error`: 200 with a well-formed chat whose status is `error` (the chat is created).
 * - `401`, `422`, `500`, `502`, `503`, `504`: that exact status with a JSON error body.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultMix {
  /** Fraction (0–1) of requests that get each fault; kinds left out never happen. Sum ≤ 1. */
  readonly rates: Readonly<Partial<Record<FaultKind, number>>>;
  /** Whole seconds sent in `Retry-After` on a 429. Default 1. */
  readonly retryAfterSeconds: number;
}

/** Default `Retry-After` on a 429, in seconds. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** A mix that never injects anything. */
export const NO_FAULTS: FaultMix = Object.freeze({
  rates: Object.freeze({}),
  retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
});

const RETRY_AFTER_KEY = 'retry-after';
// Float sums such as 0.1 + 0.2 overshoot by an ulp; that must not reject a mix that adds up to 1.
const SUM_TOLERANCE = 1e-9;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

function isFaultKind(key: string): key is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(key);
}

/**
 * Parses `key=value` pairs separated by commas (spaces and empty items are ignored; an empty
 * spec means no faults). Keys are the {@link FaultKind}s, with a fraction of requests (0–1) as
 * value, plus `retry-after` (whole seconds, default 1).
 *
 * @throws Error naming the bad item when a key is unknown or repeated, a value is not a number in
 *   range, or the fractions add up to more than 1.
 */
export function parseFaultSpec(spec: string): FaultMix {
  const rates: Partial<Record<FaultKind, number>> = {};
  let retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS;
  const seen = new Set<string>();
  let sum = 0;

  for (const rawItem of spec.split(',')) {
    const item = rawItem.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq === -1) {
      throw new Error(`fault spec: "${item}" is not key=value (in "${spec}")`);
    }
    const key = item.slice(0, eq).trim().toLowerCase();
    const value = item.slice(eq + 1).trim();
    if (seen.has(key)) throw new Error(`fault spec: "${key}" is given twice (in "${spec}")`);
    seen.add(key);

    if (key === RETRY_AFTER_KEY) {
      if (!/^\d+$/.test(value)) {
        throw new Error(
          `fault spec: retry-after must be whole seconds (0 or more), got "${value}"`,
        );
      }
      retryAfterSeconds = Number(value);
      continue;
    }
    if (!isFaultKind(key)) {
      throw new Error(
        `fault spec: unknown key "${key}"; expected one of ${FAULT_KINDS.join(', ')}, ${RETRY_AFTER_KEY}`,
      );
    }
    const fraction = DECIMAL.test(value) ? Number(value) : NaN;
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new Error(`fault spec: ${key} must be a fraction between 0 and 1, got "${value}"`);
    }
    rates[key] = fraction;
    sum += fraction;
  }

  if (sum > 1 + SUM_TOLERANCE) {
    throw new Error(`fault spec: fractions add up to ${Number(sum.toFixed(6))}, more than 1`);
  }
  return Object.freeze({ rates: Object.freeze(rates), retryAfterSeconds });
}
