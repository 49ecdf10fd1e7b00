import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { TurnError } from '../shared/records.js';
import { KICKOFF_JOB, kickoffJobSchema, parseTurnJob, type TurnJob } from '../shared/turn-queue.js';
import type { BatchGate } from '../store/batch-gate.js';
import { fastPathRequest, isSuspect } from './fast-path.js';
import type { AttemptOrigin, TurnOutcome, TurnStore } from '../store/turn-store.js';
import type { ChatRequest } from '../vendor/chats-api.js';
import { metricStatusCode, type AttemptOutcome } from '../vendor/chat-outcome.js';
import type { RetryPolicy } from './retry-policy.js';
import { RetryableTurnError } from './retryable-turn-error.js';
import type { CredentialGuard } from './credential-guard.js';
import { nextWindowOpening } from '../shared/send-window.js';
import { optOutTest } from '../shared/opt-out.js';
import type { Pacer } from './pacing/pacer.js';
import type { GradientLimit } from './pacing/gradient-limit.js';

/**
 * A Retry-After at least this long (ms) pauses every worker even with adaptive pacing: the
 * vendor asks the account, not one request, to stop for a while.
 */
export const FLEET_PAUSE_RETRY_AFTER_MS = 30_000;

export interface TurnProcessorDeps {
  store: TurnStore;
  /** Queues a conversation's next turn (LIFO). */
  addNextTurn(batchId: string, conversationId: string, turn: number): Promise<void>;
  /** Queues the first turns of a scheduled batch, at its start (the kickoff job). */
  kickoff(batchId: string): Promise<void>;
  createChat(request: ChatRequest): Promise<AttemptOutcome & { durationMs: number; sent: boolean }>;
  /** Pauses every worker of the queue for ms (BullMQ's queue-level rate limit). */
  rateLimitQueue(ms: number): Promise<void>;
  /**
   * The fleet's adaptive pace (CHATBATCH_ADAPTIVE): a 429 lowers the shared rate and delays
   * only its own turn. Undefined when off: every 429 pauses every worker (rateLimitQueue).
   */
  pacer?: Pick<Pacer, 'noteAttempt' | 'throttled'> | undefined;
  /**
   * Latency-aware concurrency (CHATBATCH_ADAPTIVE): every successful attempt's round trip, and
   * the requests in flight when it started. Undefined when off.
   */
  concurrency?: Pick<GradientLimit, 'sample'> | undefined;
  /** The delays of retried attempts (src/worker/retry-policy.ts). */
  retryPolicy: RetryPolicy;
  /** Pauses everything when the vendor refuses our API key (401/403). */
  credentials: CredentialGuard;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Attempts per turn before it fails (CHATBATCH_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** How long an attempt may be in flight (request timeout plus a margin), in ms. */
  leaseMs: number;
  /** The worker's view of its batches, for the fast path (see fast-path.ts). */
  batches: BatchGate;
  /** Inputs that are a request to stop, normalised (Config.optOutWords). */
  optOutWords: readonly string[];
}

const isUnfinished = (state: string) => state === 'pending' || state === 'active';

/**
 * The per-turn path, the hot path: one store script to begin (none on the fast path: see
 * fast-path.ts), one HTTP attempt, one store script to record, one job add for the next turn.
 * The store decides what a job may do.
 */
export function createTurnProcessor(deps: TurnProcessorDeps) {
  const { store, metrics, logger } = deps;
  const isOptOut = optOutTest(deps.optOutWords);
  /** Requests of this process in flight (for latency-aware concurrency). */
  let inFlight = 0;

  /** Recording must not be lost to a Redis blip after the vendor answered: retry it briefly. */
  async function record(
    batchId: string,
    conversationId: string,
    turn: number,
    outcome: TurnOutcome,
    origin: AttemptOrigin,
  ) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.record(batchId, conversationId, turn, outcome, origin);
      } catch (error) {
        if (attempt >= 5) throw error;
        logger.warn(
          { err: error, batchId, conversationId, turn },
          'recording a turn failed, retrying',
        );
        await deps.sleep(200 * attempt);
      }
    }
  }

  async function continueConversation(
    batchId: string,
    conversationId: string,
    turn: number,
    where: { nextTurn: number; state: string },
  ): Promise<void> {
    if (isUnfinished(where.state) && where.nextTurn > turn) {
      await deps.addNextTurn(batchId, conversationId, where.nextTurn);
    }
  }

  async function finish(
    batchId: string,
    conversationId: string,
    turn: number,
    outcome: TurnOutcome,
    origin: AttemptOrigin,
  ): Promise<void> {
    const result = await record(batchId, conversationId, turn, outcome, origin);
    if (result.kind === 'stale') {
      // A reply from history a Redis failover lost: not recorded (its chat stays orphaned
      // upstream). The conversation goes on from where the store is.
      metrics.possibleDuplicates.inc();
      logger.warn(
        { batchId, conversationId, turn, nextTurn: result.nextTurn },
        'reply not recorded: the store no longer expects this turn (lost writes after a Redis failover?)',
      );
      if (isUnfinished(result.state))
        await deps.addNextTurn(batchId, conversationId, result.nextTurn);
      return;
    }
    if (result.kind === 'dup') {
      // Our first record went through but its reply was lost (Redis restart, a retried call):
      // the store has the turn, so only make sure the conversation goes on, as on a replay.
      await continueConversation(batchId, conversationId, turn, result);
      return;
    }
    metrics.turns.inc({ result: outcome.outcome });
    if (result.kind === 'finished') {
      metrics.conversations.inc({ result: result.state });
      if (result.skippedTurns > 0) metrics.turns.inc({ result: 'skipped' }, result.skippedTurns);
    }
    if (result.kind === 'next') await deps.addNextTurn(batchId, conversationId, turn + 1);
  }

  /**
   * The begin step: the store decides what this job may do. Returns the attempt to send, or
   * undefined when there is nothing to send (throws DelayedError when the job must wait).
   */
  async function beginAttempt(
    job: Job,
    token: string | undefined,
    data: TurnJob,
  ): Promise<{ request: ChatRequest; attempt: number; origin: AttemptOrigin } | undefined> {
    const { b: batchId, c: conversationId, k: turn } = data;
    const begin = await store.begin(batchId, conversationId, turn, deps.now(), deps.leaseMs, {
      suspect: isSuspect(job, data),
    });
    switch (begin.kind) {
      case 'recorded':
        // A replayed job: the turn is recorded, only make sure the conversation goes on.
        await continueConversation(batchId, conversationId, turn, begin);
        return undefined;
      case 'wait':
        await job.moveToDelayed(begin.until, token);
        throw new DelayedError();
      case 'done':
        if (begin.state === 'expired') metrics.conversations.inc({ result: 'expired' });
        return undefined;
      case 'busy':
        await job.moveToDelayed(begin.leaseUntil + 10, token);
        throw new DelayedError();
      case 'suppressed':
        // A contact rule stopped the conversation in the store: nothing was sent.
        metrics.suppressedTurns.inc({ reason: begin.reason }, begin.turns);
        metrics.conversations.inc({ result: 'suppressed' });
        return undefined;
      case 'send':
        break;
      default:
        return undefined;
    }

    if (begin.window) {
      const now = deps.now();
      const opening = nextWindowOpening(now, begin.window, begin.timezone ?? begin.window.timezone);
      if (opening > now) {
        // Outside the recipient's window: never dropped, delayed to the opening (or to the
        // deadline, where the store expires it).
        await store.defer(batchId, conversationId, turn);
        metrics.windowDelays.inc();
        await job.moveToDelayed(Math.min(opening, begin.expireAt ?? Infinity), token);
        throw new DelayedError();
      }
    }

    const request: ChatRequest = { agentId: begin.agentId, input: begin.input };
    if (begin.dynamicVariables) request.dynamicVariables = begin.dynamicVariables;
    if (begin.previousChatId) request.previousChatId = begin.previousChatId;
    return { request, attempt: begin.attempt, origin: {} };
  }

  return async function processTurn(job: Job, token?: string): Promise<void> {
    if (job.name === KICKOFF_JOB) {
      const kickoff = kickoffJobSchema.safeParse(job.data);
      if (!kickoff.success) throw new UnrecoverableError(`invalid kickoff job ${job.id}`);
      await deps.kickoff(kickoff.data.b);
      return;
    }
    const data = parseTurnJob(job.data);
    if (!data) throw new UnrecoverableError(`invalid turn job ${job.id}`);
    const { b: batchId, c: conversationId, k: turn } = data;

    const fast =
      data.f === undefined
        ? undefined
        : fastPathRequest(job, data, await deps.batches.view(batchId), deps.now(), isOptOut);
    const sent = fast
      ? { request: fast, attempt: 1, origin: { fast: true } }
      : await beginAttempt(job, token, data);
    if (!sent) return;
    const { request, attempt, origin } = sent;

    metrics.inflightRequests.inc();
    const inFlightAtStart = ++inFlight;
    let result: Awaited<ReturnType<TurnProcessorDeps['createChat']>>;
    try {
      result = await deps.createChat(request);
    } finally {
      inFlight--;
      metrics.inflightRequests.dec();
    }
    if (result.kind === 'success') deps.concurrency?.sample(result.durationMs, inFlightAtStart);

    const rateLimited = result.kind === 'retry' && result.reason === 'rate-limited';
    deps.pacer?.noteAttempt(
      result.kind === 'success' ? 'success' : rateLimited ? 'refused' : 'other',
    );
    const statusCode = metricStatusCode(result);
    const credentialFailure =
      result.kind === 'fail' && deps.credentials.isCredentialFailure(result.httpStatus);
    const willFail =
      !credentialFailure &&
      (result.kind === 'fail' || (result.kind === 'retry' && attempt >= deps.maxAttempts));
    const outcomeLabel = result.kind === 'success' ? 'success' : willFail ? 'fail' : 'retry';
    metrics.chatRequests.inc({ status_code: statusCode, outcome: outcomeLabel });
    metrics.chatRequestDuration.observe({ outcome: outcomeLabel }, result.durationMs / 1000);

    if (result.kind === 'success') {
      await finish(
        batchId,
        conversationId,
        turn,
        {
          outcome: 'completed',
          chatId: result.chatId,
          chatStatus: result.chatStatus,
          previousChatId: request.previousChatId ?? null,
          response: result.response,
          error: null,
          completedAt: deps.now(),
        },
        origin,
      );
      return;
    }

    const error: TurnError = {
      code: result.code,
      httpStatus: result.httpStatus,
      message: result.message,
    };
    if (credentialFailure) {
      // Not this turn's fault: give the attempt back and hold everything until resume.
      await store.noteRetry(batchId, conversationId, turn, error, true, origin);
      await deps.credentials.pauseForCredentials(error);
      throw Worker.RateLimitError();
    }
    if (result.kind === 'retry' && result.sent && result.httpStatus === null) {
      // The request may have reached the vendor and created a chat whose reply we lost.
      metrics.possibleDuplicates.inc();
    }
    if (willFail) {
      logger.warn({ batchId, conversationId, turn, attempts: attempt, error }, 'turn failed');
      await finish(
        batchId,
        conversationId,
        turn,
        {
          outcome: 'failed',
          chatId: null,
          chatStatus: null,
          previousChatId: request.previousChatId ?? null,
          response: null,
          error,
          completedAt: deps.now(),
        },
        origin,
      );
      if (result.kind === 'fail') throw new UnrecoverableError(`${error.code}: ${error.message}`);
      return;
    }

    // A 429 counts as one of the turn's attempts, like a 503: the store holds its error and
    // frees the lease here, and the next attempt's begin counts it.
    await store.noteRetry(batchId, conversationId, turn, error, false, origin);
    const retryAfterMs = result.kind === 'retry' ? result.retryAfterMs : undefined;
    if (rateLimited) {
      metrics.rateLimited.inc();
      const longPause = (retryAfterMs ?? 0) >= FLEET_PAUSE_RETRY_AFTER_MS;
      if (!deps.pacer || longPause) {
        // The account, not this turn, is throttled: hold every worker for the delay.
        if (deps.pacer) {
          metrics.pacerFleetPauses.inc();
          logger.warn(
            { retryAfterMs },
            'the vendor asked for a long pause (429): every worker waits',
          );
        }
        await deps.rateLimitQueue(deps.retryPolicy.rateLimitedDelayMs(attempt, retryAfterMs));
        throw Worker.RateLimitError();
      }
      // The fleet slows down by rate; only this turn waits, at least its Retry-After (BullMQ's
      // retry with our backoffStrategy: retryPolicy's delay, Retry-After as its floor).
      await deps.pacer.throttled(result.durationMs);
    }
    throw new RetryableTurnError(`${error.code}: ${error.message}`, attempt, retryAfterMs);
  };
}
