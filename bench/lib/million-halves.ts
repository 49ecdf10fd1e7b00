import type { MillionResult, MillionSample } from './million-run.js';
import { fitChange, mean } from './series.js';
import { median } from './stats.js';

/** Worker + Redis CPU per turn over the samples' intervals, weighted by the turns in each. */
function cpuPerTurn(samples: readonly MillionSample[], all: readonly MillionSample[]): number {
  let cpu = 0;
  let turns = 0;
  for (const s of samples) {
    const i = all.indexOf(s);
    const n = s.finished - (i > 0 ? all[i - 1]!.finished : 0);
    if (n <= 0 || !Number.isFinite(s.workerCpuUs + s.redisCpuUs)) continue;
    cpu += (s.workerCpuUs + s.redisCpuUs) * n;
    turns += n;
  }
  return turns > 0 ? cpu / turns : NaN;
}

/**
 * First half vs second half of a long run (by time), and the trend within the second
 * half: what "stays flat in the second half" is judged on. The last sample is left out: it holds
 * the drain (the final jobs no longer fill every slot) and usually a partial interval. On a
 * shared machine single intervals swing with other people's load, so the halves are also
 * compared by their median interval and by CPU per turn, which such load hardly moves.
 */
export function halves(r: Pick<MillionResult, 'samples'>) {
  const workers = r.samples[0]?.workerRssMB.length ?? 0;
  const steady = r.samples.length > 2 ? r.samples.slice(0, -1) : r.samples;
  const end = steady.at(-1)!;
  // Samples are evenly spaced in time, so halves by count are halves by time.
  const first = steady.slice(0, Math.floor(steady.length / 2));
  const second = steady.slice(first.length);
  const lastOfFirst = first.at(-1) ?? { t: 0, finished: 0, bytesPerFinished: NaN };
  const rss = (samples: typeof first, w: number) => samples.map((s) => s.workerRssMB[w]!);
  return {
    turnsPerSec: {
      first: lastOfFirst.t > 0 ? lastOfFirst.finished / lastOfFirst.t : NaN,
      second: (end.finished - lastOfFirst.finished) / (end.t - lastOfFirst.t),
    },
    turnsPerSecMedian: {
      first: median(first.map((s) => s.turnsPerSec)),
      second: median(second.map((s) => s.turnsPerSec)),
    },
    cpuUsPerTurn: { first: cpuPerTurn(first, r.samples), second: cpuPerTurn(second, r.samples) },
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
