/**
 * The columns of the counts tables on a batch's page. The known states come in a fixed order
 * (the life of a conversation); any other state the server sends follows, so a state added to
 * the API later is shown rather than dropped.
 */

export const CONVERSATION_STATES = [
  'pending',
  'active',
  'completed',
  'ended',
  'failed',
  'cancelled',
  'expired',
  'suppressed',
] as const;

export const TURN_STATES = [
  'pending',
  'completed',
  'failed',
  'skipped',
  'cancelled',
  'expired',
  'suppressed',
] as const;

export interface CountColumn {
  /** The key in the status object (`suppressed`), or `total`. */
  state: string;
  /** The column header (`Suppressed`). */
  label: string;
  value: number;
}

/** A state key as a header: `suppressed` → `Suppressed`, `onHold` or `on_hold` → `On hold`. */
export function stateLabel(state: string): string {
  const words = state
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words === '' ? state : words[0]!.toUpperCase() + words.slice(1);
}

/**
 * The columns for `counts`: the `known` states the server sent, in that order, then the
 * server's other numeric keys in its order, then Total. A known state the server does not send
 * (an older server) is left out rather than shown as an invented 0.
 */
export function countColumns(
  counts: Readonly<Record<string, unknown>>,
  known: readonly string[],
): CountColumn[] {
  const isCount = (key: string) => typeof counts[key] === 'number' && key !== 'total';
  const states = [
    ...known.filter(isCount),
    ...Object.keys(counts).filter((key) => isCount(key) && !known.includes(key)),
  ];
  const column = (state: string, label: string): CountColumn => ({
    state,
    label,
    value: typeof counts[state] === 'number' ? (counts[state] as number) : 0,
  });
  return [...states.map((state) => column(state, stateLabel(state))), column('total', 'Total')];
}
