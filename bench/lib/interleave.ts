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

/**
 * Runs every variant `runs` times, rotating the order each round (A B C, B C A, C A B…; for two
 * variants the same as `interleaved`), so no variant always goes first or last.
 */
export async function alternating<K extends string, T>(
  runs: number,
  variants: readonly K[],
  fn: (variant: K, run: number) => Promise<T>,
): Promise<Record<K, T[]>> {
  const results = Object.fromEntries(variants.map((v) => [v, [] as T[]])) as Record<K, T[]>;
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + run) % variants.length]!;
      results[variant].push(await fn(variant, run));
    }
  }
  return results;
}
