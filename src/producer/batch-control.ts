import type { BatchStatus } from '../shared/records.js';
import type { BatchStore } from '../store/batch-store.js';
import type { TurnQueue } from '../shared/turn-queue.js';
import type { MaintenanceStore } from '../store/maintenance-store.js';

export type ControlAction = 'cancel' | 'pause' | 'resume' | 'retry-failed';
export const CONTROL_ACTIONS: readonly ControlAction[] = [
  'cancel',
  'pause',
  'resume',
  'retry-failed',
];

export interface ControlResult {
  action: ControlAction;
  /** Whether the action changed anything (pausing a paused batch does not). */
  changed: boolean;
  /** Conversations affected: cancelled, resumed or retried. */
  conversations: number;
  status: BatchStatus;
}

export class BatchNotFoundError extends Error {
  constructor(readonly batchId: string) {
    super(`no such batch: ${batchId}`);
    this.name = 'BatchNotFoundError';
  }
}

const CHUNK = 1000;

/** Batch control, one code path for the CLI and the API. */
export function createBatchControl(deps: {
  batchStore: BatchStore;
  turnQueue: () => TurnQueue;
  maintenance: MaintenanceStore;
}) {
  const { batchStore } = deps;

  async function requeue(
    batchId: string,
    take: (chunk: number) => Promise<{ conversationId: string; turn: number }[]>,
  ) {
    let count = 0;
    for (;;) {
      const refs = await take(CHUNK);
      if (refs.length === 0) return count;
      await deps.turnQueue().addTurns(batchId, refs);
      count += refs.length;
    }
  }

  async function run(action: ControlAction, batchId: string): Promise<ControlResult> {
    if (!(await batchStore.status(batchId))) throw new BatchNotFoundError(batchId);
    let changed = false;
    let conversations = 0;
    switch (action) {
      case 'cancel':
        changed = await batchStore.setState(
          batchId,
          ['running', 'paused', 'scheduled'],
          'cancelled',
        );
        // Cancel the conversations even when the batch was cancelled before: an ingest may
        // have added some since.
        conversations = await batchStore.closeConversations(batchId, 'cancelled');
        changed ||= conversations > 0;
        break;
      case 'pause':
        changed = await batchStore.setState(batchId, ['running', 'scheduled'], 'paused', {
          source: 'operator',
        });
        break;
      case 'resume':
        changed = await batchStore.setState(batchId, ['paused'], 'running');
        // After a vendor 401/403 the whole queue was paused too (see the credential guard).
        if (await deps.maintenance.clearAuthPause()) {
          await deps.turnQueue().queue.resume();
          changed = true;
        }
        conversations = await requeue(batchId, (n) => batchStore.takeParked(batchId, n));
        break;
      case 'retry-failed':
        conversations = await requeue(batchId, (n) => batchStore.takeFailed(batchId, n));
        changed = conversations > 0;
        if (changed) await batchStore.setState(batchId, ['cancelled'], 'running');
        break;
    }
    const status = await batchStore.status(batchId);
    return { action, changed, conversations, status: status! };
  }

  return { run };
}
export type BatchControl = ReturnType<typeof createBatchControl>;
