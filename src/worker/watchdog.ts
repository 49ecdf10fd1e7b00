import { randomUUID } from 'node:crypto';
import type { Logger } from '../shared/logger.js';
import type { MaintenanceStore } from '../store/maintenance-store.js';
import type { TurnQueue } from '../shared/turn-queue.js';

/**
 * The stuck-work watchdog. A worker that dies mid-turn is covered by BullMQ's stalled-job
 * recovery; this covers the rarer case where a conversation has no job at all (an ingest killed
 * between commit and enqueue, jobs lost with a Redis that kept nothing on disk). Every interval
 * one worker (whoever takes the lock) scans unfinished running batches and queues such
 * conversations again. Safe to race with normal progress: job ids are deterministic and the
 * store refuses to send a recorded turn.
 */
export function startWatchdog(deps: {
  maintenance: MaintenanceStore;
  turnQueue: TurnQueue;
  logger: Logger;
  now: () => number;
  /** Closes a batch's unfinished conversations as expired (its deadline passed). */
  expireBatch(batchId: string): Promise<number>;
  /** How often to look, in ms. */
  intervalMs: number;
}): { stop(): void; sweep(): Promise<number> } {
  const owner = randomUUID();
  let running = false;

  async function sweep(): Promise<number> {
    // Turns whose jobs wait far in the future (a window, a backoff) expire on time here.
    for (const batchId of await deps.maintenance.overdueBatches(deps.now())) {
      const expired = await deps.expireBatch(batchId);
      if (expired > 0)
        deps.logger.info({ batchId, conversations: expired }, 'deadline passed: expired');
    }
    let requeued = 0;
    for (const batchId of await deps.maintenance.runningBatches()) {
      const stuck = await deps.maintenance.findStuck(batchId, deps.now());
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
