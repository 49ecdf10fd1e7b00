import type { MillionResult } from './million-run.js';
import { fitChange, mean, splitAt } from './series.js';

/**
 * First half vs second half of a long run (split by time), and the trend within the second
 * half: what "stays flat in the second half" is judged on. The last sample is left out: it holds
 * the drain (the final jobs no longer fill every slot) and usually a partial interval.
 */
export function halves(r: Pick<MillionResult, 'samples'>) {
  const workers = r.samples[0]?.workerRssMB.length ?? 0;
  const steady = r.samples.length > 2 ? r.samples.slice(0, -1) : r.samples;
  const end = steady.at(-1)!;
  const [first, second] = splitAt(steady, end.t / 2);
  const lastOfFirst = first.at(-1) ?? { t: 0, finished: 0, bytesPerFinished: NaN };
  const rss = (samples: typeof first, w: number) => samples.map((s) => s.workerRssMB[w]!);
  return {
    turnsPerSec: {
      first: lastOfFirst.t > 0 ? lastOfFirst.finished / lastOfFirst.t : NaN,
      second: (end.finished - lastOfFirst.finished) / (end.t - lastOfFirst.t),
    },
    turnsPerSecTrend: fitChange(second.map((s) => ({ x: s.t, y: s.turnsPerSec }))),
    rssMB: Array.from({ length: workers }, (_, w) => ({
      firstMean: mean(rss(first, w)),
      secondMean: mean(rss(second, w)),
      firstMax: Math.max(...rss(first, w)),
      secondMax: Math.max(...rss(second, w)),
    })),
    rssTrend: Array.from({ length: workers }, (_, w) =>
      fitChange(second.map((s) => ({ x: s.t, y: s.workerRssMB[w]! }))),
    ),
    bytesPerFinished: {
      endOfFirst: lastOfFirst.bytesPerFinished,
      end: r.samples.at(-1)!.bytesPerFinished,
    },
  };
}
