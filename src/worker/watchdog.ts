import { randomUUID } from 'node:crypto';
import type { Logger } from '../shared/logger.js';
import type { MaintenanceStore } from '../store/maintenance-store.js';
import type { TurnQueue } from '../shared/turn-queue.js';

/**
 * The stuck-work watchdog. A worker that dies mid-turn is covered by BullMQ's stalled-job
 * recovery; this covers the rarer cases BullMQ cannot see. Every interval one worker (whoever
 * takes the lock):
 * - expires batches past their deadline (their turns may wait far in the future: a window, a
 *   backoff);
 * - drops what dead ingest runs left staged (customer text that was never committed);
 * - queues again conversations that have no job at all (an ingest killed between commit and
 *   enqueue, jobs lost with a Redis that kept nothing on disk). A conversation is requeued only
 *   when two sweeps in a row find it without a job at the same turn: a healthy run passes through
 *   that state for a moment (between recording a turn and queuing the next, between committing
 *   an ingest chunk and adding its jobs), and an operator must not be alarmed by it.
 * Safe to race with normal progress: job ids are deterministic and the store refuses to send a
 * recorded turn.
 */
export function startWatchdog(deps: {
  maintenance: MaintenanceStore;
  turnQueue: TurnQueue;
  logger: Logger;
  now: () => number;
  /** Closes a batch's unfinished conversations as expired (its deadline passed). */
  expireBatch(batchId: string): Promise<number>;
  /** Deletes what an ingest run left staged (see dropStaging). */
  dropStaging(batchId: string, runId: string): Promise<void>;
  /** How often to look, in ms. */
  intervalMs: number;
}): { stop(): void; sweep(): Promise<number> } {
  const owner = randomUUID();
  // Sweeps of several workers may come closer than one interval (the lock lasts one): a
  // suspect must have been seen at least this long ago to be confirmed.
  const confirmAfterMs = Math.max(500, Math.floor(deps.intervalMs / 2));
  let running = false;

  async function sweep(): Promise<number> {
    for (const batchId of await deps.maintenance.overdueBatches(deps.now())) {
      const expired = await deps.expireBatch(batchId);
      if (expired > 0)
        deps.logger.info({ batchId, conversations: expired }, 'deadline passed: expired');
    }
    for (const { batchId, runId } of await deps.maintenance.deadIngestRuns()) {
      await deps.dropStaging(batchId, runId);
      deps.logger.info({ batchId }, 'dropped the staging of an ingest that died');
    }
    let requeued = 0;
    for (const batchId of await deps.maintenance.unfinishedBatches(deps.now())) {
      const now = deps.now();
      const found = await deps.maintenance.findStuck(batchId, now);
      const stuck = await deps.maintenance.confirmStuck(batchId, found, now, confirmAfterMs);
      if (stuck.length === 0) continue;
      await deps.turnQueue.addTurns(batchId, stuck);
      requeued += stuck.length;
      deps.logger.warn(
        { batchId, conversations: stuck.length },
        'watchdog: requeued conversations that had no job',
      );
    }
    return requeued;
  }

  const timer = setInterval(() => {
    if (running) return;
    running = true;
    deps.maintenance
      .takeWatchdogLock(owner, deps.intervalMs)
      .then((mine) => (mine ? sweep() : 0))
      .catch((error: Error) => deps.logger.warn({ err: error.message }, 'watchdog sweep failed'))
      .finally(() => {
        running = false;
      });
  }, deps.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
