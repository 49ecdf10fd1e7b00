import { FAULT_KINDS, type FaultKind, type FaultMix } from './fault-spec.js';

/** A number in [0, 1), like `Math.random`. Injected so tests can force every branch. */
export type RandomSource = () => number;

/** Picks the fault for one request, or `null` for a normal answer. */
export type FaultPicker = (random: RandomSource) => FaultKind | null;

/**
 * Compiles a mix into a picker that maps ONE random draw onto the cumulative fractions, in
 * {@link FAULT_KINDS} order. Done once per simulator so the hot path is a short loop.
 * A mix with no non-zero fraction draws nothing, so a scripted `random` is not consumed by it.
 */
export function createFaultPicker(mix: FaultMix): FaultPicker {
  const kinds: FaultKind[] = [];
  const bounds: number[] = [];
  let cumulative = 0;
  for (const kind of FAULT_KINDS) {
    const rate = mix.rates[kind] ?? 0;
    if (rate <= 0) continue;
    cumulative += rate;
    kinds.push(kind);
    bounds.push(cumulative);
  }
  if (kinds.length === 0) return () => null;

  return (random) => {
    const draw = random();
    for (let i = 0; i < bounds.length; i++) {
      if (draw < (bounds[i] as number)) return kinds[i] as FaultKind;
    }
    return null;
  };
}

const SERVER_ERRORS = [500, 502, 503, 504] as const;

/** The status of a `5xx` fault: one of 500/502/503/504, from one random draw. */
export function pickServerError(random: RandomSource): number {
  const index = Math.min(Math.floor(random() * SERVER_ERRORS.length), SERVER_ERRORS.length - 1);
  return SERVER_ERRORS[index] as number;
}

/** HTTP status of a fault that answers with a plain JSON error, or `undefined` for the others. */
export function statusOfFault(kind: FaultKind, random: RandomSource): number | undefined {
  switch (kind) {
    case '5xx':
      return pickServerError(random);
    case '429':
    case '401':
    case '422':
    case '500':
    case '502':
    case '503':
    case '504':
      return Number(kind);
    default:
      return undefined;
  }
}
