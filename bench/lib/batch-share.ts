import type { SimLog } from './sim-protocol.js';

/** The batch label of an input written by a labelled workload (`[label] Hi…`), if any. */
export function labelOf(input: string | null | undefined): string | undefined {
  if (!input || input[0] !== '[') return undefined;
  const end = input.indexOf('] ');
  return end > 1 ? input.slice(1, end) : undefined;
}

/** Per batch label: requests that arrived in [from, to) and the last arrival (epoch ms). */
export interface LabelCounts {
  counts: Map<string, number>;
  lastAt: Map<string, number>;
  /** All requests in the window, labelled or not. */
  total: number;
}

/** Counts the simulator's arrivals per batch label in [from, to) (the whole log by default). */
export function countByLabel(log: SimLog, from = -Infinity, to = Infinity): LabelCounts {
  if (!log.input) throw new Error('countByLabel: the simulator log has no inputs');
  const counts = new Map<string, number>();
  const lastAt = new Map<string, number>();
  let total = 0;
  log.receivedAt.forEach((at, i) => {
    if (at < from || at >= to) return;
    total++;
    const label = labelOf(log.input![i]);
    if (label === undefined) return;
    counts.set(label, (counts.get(label) ?? 0) + 1);
    lastAt.set(label, Math.max(lastAt.get(label) ?? -Infinity, at));
  });
  return { counts, lastAt, total };
}

/** The share of `label` among the requests of `labels` (NaN when none of them was seen). */
export function shareOf(c: LabelCounts, label: string, labels: readonly string[]): number {
  const all = labels.reduce((sum, l) => sum + (c.counts.get(l) ?? 0), 0);
  return all === 0 ? NaN : (c.counts.get(label) ?? 0) / all;
}
