import type { Impl } from './workers.js';

/**
 * Runs both implementations `runs` times, alternating which goes first (B C, C B, B C…), so a
 * drift in the shared machine's load over time does not favour one of them.
 */
export async function interleaved<T>(
  runs: number,
  fn: (impl: Impl, run: number) => Promise<T>,
): Promise<Record<Impl, T[]>> {
  const results: Record<Impl, T[]> = { baseline: [], chatbatch: [] };
  for (let run = 0; run < runs; run++) {
    const order: Impl[] = run % 2 === 0 ? ['baseline', 'chatbatch'] : ['chatbatch', 'baseline'];
    for (const impl of order) results[impl].push(await fn(impl, run));
  }
  return results;
}
