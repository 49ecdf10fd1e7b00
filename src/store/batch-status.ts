import type { BatchState, BatchStatus } from '../shared/records.js';
import { nextWindowOpening, SendWindowError, type SendWindow } from '../shared/send-window.js';

/** `pausedReason` of a batch paused by `chatbatch pause` (or the API's pause). */
export const PAUSED_BY_OPERATOR = 'operator';

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
    pausedReason: state === 'paused' ? describePause(hash.pausedReason) : null,
    nextSendAt: state === 'scheduled' || state === 'running' ? nextSendAt(hash, now) : null,
  };
}

/**
 * The stored reason of a pause, in words. The credential guard stores the vendor's error code
 * (`http_401`, `http_403`); a pause by an operator stores `operator` (or nothing, before
 * reasons were kept).
 */
export function describePause(stored: string | undefined): string {
  if (stored === undefined || stored === PAUSED_BY_OPERATOR) return 'paused by an operator';
  const refused = /^http_(401|403)$/.exec(stored);
  if (refused) return `the vendor refused the API key (${refused[1]})`;
  return stored;
}

/**
 * When a batch that waits will send again, ISO, or null when it is not waiting: its scheduled
 * start if that is ahead, and then, with a send window, the window's next opening in the
 * window's own zone (recipients with a zone of their own may open earlier or later).
 */
function nextSendAt(hash: Record<string, string>, now: number): string | null {
  const unfinished = Number(hash['c:pending'] ?? 0) + Number(hash['c:active'] ?? 0);
  if (unfinished <= 0) return null;
  let next = Math.max(now, Number(hash.scheduledAt ?? 0) || 0);
  if (hash.window) {
    try {
      const window = JSON.parse(hash.window) as SendWindow;
      next = nextWindowOpening(next, window, window.timezone);
    } catch (error) {
      if (!(error instanceof SendWindowError) && !(error instanceof SyntaxError)) throw error;
    }
  }
  return next > now ? new Date(next).toISOString() : null;
}

/** Nothing in the batch is pending or active any more (what `status --wait` waits for). */
export function isSettled(status: BatchStatus): boolean {
  if (status.state === 'paused' || status.state === 'scheduled') return false;
  return status.conversations.pending + status.conversations.active === 0;
}
