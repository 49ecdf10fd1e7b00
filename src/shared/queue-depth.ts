import type { Queue } from 'bullmq';
import type { Gauge } from 'prom-client';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

/**
 * Fills `chatbatch_queue_jobs` at scrape time from BullMQ, cached for `cacheMs` so a scrape
 * storm (many Prometheus replicas, a dashboard refresh loop) costs Redis one call per period.
 */
export function queueDepthCollector(queue: Queue, now: () => number, cacheMs = 2000) {
  let cached: { at: number; counts: Record<string, number> } | undefined;
  return async (gauge: Gauge<'state'>): Promise<void> => {
    if (!cached || now() - cached.at > cacheMs) {
      try {
        cached = { at: now(), counts: await queue.getJobCounts(...STATES) };
      } catch {
        // Redis away: keep the last known values rather than failing the whole scrape.
        if (!cached) return;
      }
    }
    for (const state of STATES) gauge.set({ state }, cached.counts[state] ?? 0);
  };
}
