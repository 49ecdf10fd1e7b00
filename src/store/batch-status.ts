import type { BatchState, BatchStatus } from '../shared/records.js';

const CONVERSATION_STATES = [
  'pending',
  'active',
  'completed',
  'ended',
  'failed',
  'cancelled',
  'expired',
  'suppressed',
] as const;
const TURN_STATES = [
  'pending',
  'completed',
  'failed',
  'skipped',
  'cancelled',
  'expired',
  'suppressed',
] as const;

const iso = (ms: string | undefined): string | null =>
  ms && Number.isFinite(Number(ms)) ? new Date(Number(ms)).toISOString() : null;

/** Builds `status --json` from the batch hash: counters are kept exact by the store scripts. */
export function batchStatusFromHash(
  batchId: string,
  hash: Record<string, string>,
  now: number,
): BatchStatus {
  const count = (field: string) => Math.max(0, Number(hash[field] ?? 0));
  const conversations = { total: count('c:total') } as BatchStatus['conversations'];
  for (const state of CONVERSATION_STATES) conversations[state] = count(`c:${state}`);
  const turns = { total: count('t:total') } as BatchStatus['turns'];
  for (const state of TURN_STATES) turns[state] = count(`t:${state}`);

  let stored = (hash.state ?? 'running') as BatchState;
  // A scheduled batch runs from its start time on, whether or not a worker has begun yet.
  if (stored === 'scheduled' && now >= Number(hash.scheduledAt ?? 0)) stored = 'running';
  const unfinished = conversations.pending + conversations.active;
  const state: BatchState = stored === 'running' && unfinished === 0 ? 'completed' : stored;
  return {
    batchId,
    state,
    conversations,
    turns,
    createdAt: iso(hash.createdAt),
    scheduledAt: iso(hash.scheduledAt),
    finishedAt: unfinished === 0 ? iso(hash.finishedAt) : null,
    priority: hash.priority === 'high' || hash.priority === 'low' ? hash.priority : 'normal',
    weight: Number(hash.weight ?? 1) || 1,
  };
}

/** Nothing in the batch is pending or active any more (what `status --wait` waits for). */
export function isSettled(status: BatchStatus): boolean {
  if (status.state === 'paused' || status.state === 'scheduled') return false;
  return status.conversations.pending + status.conversations.active === 0;
}
