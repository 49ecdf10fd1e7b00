import type { Job } from 'bullmq';
import { nextWindowOpening } from '../shared/send-window.js';
import type { TurnJob } from '../shared/turn-queue.js';
import type { BatchGateView } from '../store/batch-gate.js';
import type { ChatRequest } from '../vendor/chats-api.js';

/**
 * The first-delivery fast path. A conversation's first turn, queued by an ingest for a
 * conversation without a recipient, carries its request in the job (`f`). On the job's first
 * start it may be sent without the begin step: that step exists to stop a second attempt, a
 * recorded turn, a paused/cancelled/scheduled/expired batch, a closed window and the contact
 * rules, and here:
 * - nothing can have been sent for the turn: it is the job's first start (a job id is
 *   deterministic, so it is the turn's only job), never stalled;
 * - the batch's control settings come from the worker's short-lived view (BatchGate);
 * - a window, the deadline and the opt-out words are checked here, from the job and the view;
 * - without a recipient, the other rules have nothing to check.
 * Anything else goes through the begin step. The record step then counts the attempt and
 * starts the conversation, and detects a turn recorded already. A job that was eligible and
 * started before is `suspect`: the begin step fences off a fast attempt that may still be in
 * flight (see BEGIN_TURNS).
 */
export function isSuspect(job: Pick<Job, 'attemptsStarted' | 'stalledCounter'>, data: TurnJob) {
  return data.f !== undefined && (job.attemptsStarted > 1 || job.stalledCounter > 0);
}

export function fastPathRequest(
  job: Pick<Job, 'attemptsStarted' | 'stalledCounter'>,
  data: TurnJob,
  batch: BatchGateView,
  now: number,
  /** Whether an input is a request to stop (optOutTest of the configured words). */
  isOptOut: (input: string) => boolean,
): ChatRequest | undefined {
  const first = data.f;
  if (first === undefined || job.attemptsStarted > 1 || job.stalledCounter > 0) return undefined;
  if (batch.state !== 'running') return undefined;
  if (batch.scheduledAt !== undefined && now < batch.scheduledAt) return undefined;
  if (batch.expireAt !== undefined && now >= batch.expireAt) return undefined;
  if (
    batch.window &&
    nextWindowOpening(now, batch.window, first.z ?? batch.window.timezone) > now
  ) {
    return undefined;
  }
  if (isOptOut(first.i)) return undefined;
  const request: ChatRequest = { agentId: first.a, input: first.i };
  if (first.v) {
    const variables = JSON.parse(first.v) as Record<string, string>;
    if (Object.keys(variables).length > 0) request.dynamicVariables = variables;
  }
  if (first.p) request.previousChatId = first.p;
  return request;
}
