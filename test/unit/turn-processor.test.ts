import { Writable } from 'node:stream';
import { DelayedError, RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { TurnError } from '../../src/shared/records.js';
import type { BatchGateView } from '../../src/store/batch-gate.js';
import type {
  AttemptOrigin,
  BeginTurn,
  RecordTurn,
  TurnOutcome,
  TurnStore,
} from '../../src/store/turn-store.js';
import type { ChatRequest } from '../../src/vendor/chats-api.js';
import type { AttemptOutcome } from '../../src/vendor/chat-outcome.js';
import { createTurnProcessor, type TurnProcessorDeps } from '../../src/worker/turn-processor.js';
import { RetryableTurnError } from '../../src/worker/retryable-turn-error.js';

/**
 * The turn processor's branches with a fake store and a fake vendor: what it sends, what it
 * records, what it queues next and what it hands back to BullMQ. The store scripts themselves
 * are covered against the real Redis in test/store.
 */

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

const sendTurn = (overrides: Partial<Extract<BeginTurn, { kind: 'send' }>> = {}): BeginTurn => ({
  kind: 'send',
  attempt: 1,
  previousChatId: undefined,
  agentId: 'agent-1',
  dynamicVariables: undefined,
  input: 'Hello',
  timezone: undefined,
  window: undefined,
  expireAt: undefined,
  ...overrides,
});

const success = (chatId: string): AttemptOutcome => ({
  kind: 'success',
  httpStatus: 200,
  chatId,
  chatStatus: 'in-progress',
  response: [{ role: 'assistant', content: 'Hi' }],
});

/** The vendor's 429 with its Retry-After, as the vendor client reports it. */
const rateLimited = (retryAfterMs: number): AttemptOutcome => ({
  kind: 'retry',
  reason: 'rate-limited',
  code: 'http_429',
  httpStatus: 429,
  message: 'slow down',
  retryAfterMs,
});

interface FakeJob {
  job: Job;
  delayedUntil: number[];
}

function fakeJob(data: Record<string, unknown>, started = 1, name = 'turn'): FakeJob {
  const delayedUntil: number[] = [];
  const job = {
    id: `${String(data.b)}:${String(data.c)}:${String(data.k)}`,
    name,
    data,
    attemptsStarted: started,
    stalledCounter: 0,
    moveToDelayed: async (until: number) => {
      delayedUntil.push(until);
    },
  } as unknown as Job;
  return { job, delayedUntil };
}

/** Everything the processor did, in order. */
interface Calls {
  begins: { turn: number; suspect: boolean | undefined }[];
  sent: ChatRequest[];
  recorded: { turn: number; outcome: TurnOutcome; origin: AttemptOrigin | undefined }[];
  retries: { turn: number; error: TurnError; refund: boolean | undefined }[];
  deferred: number[];
  nextTurns: number[];
  queuePauses: number[];
  credentialPauses: TurnError[];
  throttled: number;
  kickoffs: string[];
}

function setUp(options: {
  begin?: BeginTurn[];
  vendor?: AttemptOutcome[];
  record?: RecordTurn[];
  batch?: Partial<BatchGateView>;
  pacer?: boolean;
  maxAttempts?: number;
}) {
  const calls: Calls = {
    begins: [],
    sent: [],
    recorded: [],
    retries: [],
    deferred: [],
    nextTurns: [],
    queuePauses: [],
    credentialPauses: [],
    throttled: 0,
    kickoffs: [],
  };
  const begins = [...(options.begin ?? [])];
  const replies = [...(options.vendor ?? [])];
  const records = [...(options.record ?? [])];
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });

  const store: TurnStore = {
    async begin(_b, _c, turn, _now, _lease, opts) {
      calls.begins.push({ turn, suspect: opts?.suspect });
      const next = begins.shift();
      if (!next) throw new Error('unexpected begin');
      return next;
    },
    async record(_b, _c, turn, outcome, origin) {
      calls.recorded.push({ turn, outcome, origin });
      return records.shift() ?? { kind: 'next' };
    },
    async defer(_b, _c, turn) {
      calls.deferred.push(turn);
    },
    async noteRetry(_b, _c, turn, error, refund) {
      calls.retries.push({ turn, error, refund });
    },
  };

  const deps: TurnProcessorDeps = {
    store,
    addNextTurn: async (_b, _c, turn) => {
      calls.nextTurns.push(turn);
    },
    kickoff: async (batchId) => {
      calls.kickoffs.push(batchId);
    },
    createChat: async (request) => {
      calls.sent.push(request);
      const reply = replies.shift();
      if (!reply) throw new Error('unexpected request to the vendor');
      return { ...reply, durationMs: 12, sent: true };
    },
    rateLimitQueue: async (ms) => {
      calls.queuePauses.push(ms);
    },
    pacer: options.pacer
      ? {
          noteAttempt: () => undefined,
          throttled: async () => {
            calls.throttled++;
          },
        }
      : undefined,
    retryPolicy: {
      rateLimitedDelayMs: (_attempt, retryAfterMs) => retryAfterMs ?? 1000,
      backoffStrategy: () => 1000,
    },
    credentials: {
      isCredentialFailure: (status) => status === 401 || status === 403,
      pauseForCredentials: async (error) => {
        calls.credentialPauses.push(error);
      },
    },
    metrics,
    logger: createLogger('trace', logStream),
    now: () => NOW,
    sleep: async () => undefined,
    maxAttempts: options.maxAttempts ?? 3,
    leaseMs: 30_000,
    batches: {
      view: async () => ({
        state: 'running',
        scheduledAt: undefined,
        expireAt: undefined,
        window: undefined,
        ...options.batch,
      }),
    },
    optOutWords: ['stop'],
  };
  const counter = async (name: string, labels: Record<string, string>) => {
    const metric = registry.getSingleMetric(name);
    if (!metric) throw new Error(`no metric ${name}`);
    const value = (await metric.get()).values.find((v) =>
      Object.entries(labels).every(([key, val]) => v.labels[key] === val),
    );
    return value?.value ?? 0;
  };
  return { process: createTurnProcessor(deps), calls, counter, logs: () => logLines.join('') };
}

describe('turn processor', () => {
  it('sends a begun turn, records the reply and queues the next turn', async () => {
    const t = setUp({
      begin: [sendTurn({ attempt: 1, previousChatId: 'chat-1', dynamicVariables: { a: '1' } })],
      vendor: [success('chat-2')],
      record: [{ kind: 'next' }],
    });
    await t.process(fakeJob({ b: 'b1', c: 'c1', k: 2 }).job, 'token');
    expect(t.calls.sent).toEqual([
      {
        agentId: 'agent-1',
        input: 'Hello',
        previousChatId: 'chat-1',
        dynamicVariables: { a: '1' },
      },
    ]);
    expect(t.calls.recorded).toHaveLength(1);
    expect(t.calls.recorded[0]!.outcome).toMatchObject({
      outcome: 'completed',
      chatId: 'chat-2',
      previousChatId: 'chat-1',
      error: null,
    });
    expect(t.calls.recorded[0]!.origin).toEqual({});
    expect(t.calls.nextTurns).toEqual([3]);
    expect(await t.counter('chatbatch_turns_total', { result: 'completed' })).toBe(1);
    expect(t.logs()).not.toContain('Hello');
  });

  it('counts a finished conversation and its skipped turns, and queues nothing', async () => {
    const t = setUp({
      begin: [sendTurn()],
      vendor: [success('chat-9')],
      record: [{ kind: 'finished', state: 'completed', skippedTurns: 2 }],
    });
    await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job);
    expect(t.calls.nextTurns).toEqual([]);
    expect(await t.counter('chatbatch_conversations_total', { result: 'completed' })).toBe(1);
    expect(await t.counter('chatbatch_turns_total', { result: 'skipped' })).toBe(2);
  });

  it('sends nothing for a replayed job whose turn is recorded, and makes sure the next is queued', async () => {
    const t = setUp({ begin: [{ kind: 'recorded', nextTurn: 4, state: 'active' }] });
    await t.process(fakeJob({ b: 'b1', c: 'c1', k: 3 }).job);
    expect(t.calls.sent).toEqual([]);
    expect(t.calls.recorded).toEqual([]);
    expect(t.calls.nextTurns).toEqual([4]);
  });

  it('does not queue a next turn for a replay of a finished conversation', async () => {
    const t = setUp({ begin: [{ kind: 'recorded', nextTurn: 4, state: 'completed' }] });
    await t.process(fakeJob({ b: 'b1', c: 'c1', k: 3 }).job);
    expect(t.calls.nextTurns).toEqual([]);
  });

  it('on a duplicate record (first record went through, reply lost) only continues the conversation', async () => {
    const t = setUp({
      begin: [sendTurn()],
      vendor: [success('chat-2')],
      record: [{ kind: 'dup', nextTurn: 2, state: 'active' }],
    });
    await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job);
    expect(t.calls.nextTurns).toEqual([2]);
    // Counted once, by the record that went through, not again here.
    expect(await t.counter('chatbatch_turns_total', { result: 'completed' })).toBe(0);
  });

  it('delays a job the store says must wait, and one whose turn is leased elsewhere', async () => {
    const t = setUp({
      begin: [
        { kind: 'wait', until: NOW + 60_000 },
        { kind: 'busy', leaseUntil: NOW + 5_000 },
      ],
    });
    const waiting = fakeJob({ b: 'b1', c: 'c1', k: 1 });
    await expect(t.process(waiting.job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(waiting.delayedUntil).toEqual([NOW + 60_000]);
    const busy = fakeJob({ b: 'b1', c: 'c2', k: 1 });
    await expect(t.process(busy.job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(busy.delayedUntil).toEqual([NOW + 5_010]);
    expect(t.calls.sent).toEqual([]);
  });

  it('outside the send window gives the attempt back and delays to the opening, capped by the deadline', async () => {
    // 12:00 UTC; the window opens at 14:00 UTC.
    const window = {
      days: [1, 2, 3, 4, 5, 6, 7],
      startMinute: 14 * 60,
      endMinute: 18 * 60,
      timezone: 'UTC',
    };
    const t = setUp({
      begin: [sendTurn({ window }), sendTurn({ window, expireAt: NOW + 30 * 60_000 })],
    });
    const first = fakeJob({ b: 'b1', c: 'c1', k: 1 });
    await expect(t.process(first.job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(first.delayedUntil).toEqual([NOW + 2 * 3_600_000]);
    const second = fakeJob({ b: 'b1', c: 'c2', k: 1 });
    await expect(t.process(second.job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(second.delayedUntil).toEqual([NOW + 30 * 60_000]);
    expect(t.calls.deferred).toEqual([1, 1]);
    expect(t.calls.sent).toEqual([]);
    expect(await t.counter('chatbatch_window_delayed_turns_total', {})).toBe(2);
  });

  it('counts a turn the contact rules stopped, and sends nothing', async () => {
    const t = setUp({ begin: [{ kind: 'suppressed', reason: 'opted_out', turns: 3 }] });
    await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job);
    expect(t.calls.sent).toEqual([]);
    expect(await t.counter('chatbatch_suppressed_turns_total', { reason: 'opted_out' })).toBe(3);
    expect(await t.counter('chatbatch_conversations_total', { result: 'suppressed' })).toBe(1);
  });

  it('a 503 notes the error and hands the job back for a retry with its attempt and Retry-After', async () => {
    const t = setUp({
      begin: [sendTurn({ attempt: 2 })],
      vendor: [
        {
          kind: 'retry',
          reason: 'transient',
          code: 'http_503',
          httpStatus: 503,
          message: 'unavailable',
          retryAfterMs: 2000,
        },
      ],
    });
    const error = await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job).catch((e) => e);
    expect(error).toBeInstanceOf(RetryableTurnError);
    expect(error).toMatchObject({ attempt: 2, retryAfterMs: 2000 });
    expect(t.calls.retries).toEqual([
      {
        turn: 1,
        error: { code: 'http_503', httpStatus: 503, message: 'unavailable' },
        refund: false,
      },
    ]);
    expect(t.calls.recorded).toEqual([]);
    expect(t.calls.queuePauses).toEqual([]);
  });

  it('the last allowed attempt that fails transiently records the turn as failed', async () => {
    const t = setUp({
      maxAttempts: 3,
      begin: [sendTurn({ attempt: 3 })],
      vendor: [
        { kind: 'retry', reason: 'transient', code: 'timeout', httpStatus: null, message: 't' },
      ],
      record: [{ kind: 'finished', state: 'failed', skippedTurns: 1 }],
    });
    await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job);
    expect(t.calls.recorded[0]!.outcome).toMatchObject({
      outcome: 'failed',
      chatId: null,
      error: { code: 'timeout' },
    });
    expect(await t.counter('chatbatch_conversations_total', { result: 'failed' })).toBe(1);
    // The request may have reached the vendor: counted as a possible duplicate.
    expect(await t.counter('chatbatch_possible_duplicate_requests_total', {})).toBe(1);
  });

  it('a permanent failure (400) is recorded at once and the job is not retried', async () => {
    const t = setUp({
      begin: [sendTurn()],
      vendor: [{ kind: 'fail', code: 'http_400', httpStatus: 400, message: 'bad agent' }],
      record: [{ kind: 'finished', state: 'failed', skippedTurns: 0 }],
    });
    const error = await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job).catch((e) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect(t.calls.recorded[0]!.outcome.error).toEqual({
      code: 'http_400',
      httpStatus: 400,
      message: 'bad agent',
    });
    expect(t.calls.retries).toEqual([]);
  });

  it('a 401 refunds the attempt, pauses everything for the credentials and fails nothing', async () => {
    const t = setUp({
      begin: [sendTurn({ attempt: 3 })],
      maxAttempts: 3,
      vendor: [{ kind: 'fail', code: 'http_401', httpStatus: 401, message: 'unauthorised' }],
    });
    const error = await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(t.calls.retries).toEqual([
      {
        turn: 1,
        error: { code: 'http_401', httpStatus: 401, message: 'unauthorised' },
        refund: true,
      },
    ]);
    expect(t.calls.credentialPauses).toHaveLength(1);
    expect(t.calls.recorded).toEqual([]);
  });

  it('without adaptive pacing a 429 pauses every worker for the delay', async () => {
    const t = setUp({
      begin: [sendTurn()],
      vendor: [rateLimited(1500)],
    });
    const error = await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(t.calls.queuePauses).toEqual([1500]);
    expect(t.calls.retries).toHaveLength(1);
    expect(await t.counter('chatbatch_rate_limited_total', {})).toBe(1);
  });

  it('with adaptive pacing a short 429 slows the pace and delays only its own turn', async () => {
    const t = setUp({
      pacer: true,
      begin: [sendTurn()],
      vendor: [rateLimited(1500)],
    });
    const error = await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job).catch((e) => e);
    expect(error).toBeInstanceOf(RetryableTurnError);
    expect(t.calls.queuePauses).toEqual([]);
    expect(t.calls.throttled).toBe(1);
  });

  it('with adaptive pacing a long Retry-After still pauses the fleet', async () => {
    const t = setUp({
      pacer: true,
      begin: [sendTurn()],
      vendor: [rateLimited(60_000)],
    });
    await expect(t.process(fakeJob({ b: 'b1', c: 'c1', k: 1 }).job)).rejects.toBeInstanceOf(
      RateLimitError,
    );
    expect(t.calls.queuePauses).toEqual([60_000]);
  });

  describe('first-delivery fast path', () => {
    const first = { a: 'agent-7', i: 'Hi there', v: JSON.stringify({ name: 'Ada' }) };

    it('sends a first delivery without the begin step and records it as fast', async () => {
      const t = setUp({ vendor: [success('chat-1')], record: [{ kind: 'next' }] });
      await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1, f: first }).job);
      expect(t.calls.begins).toEqual([]);
      expect(t.calls.sent).toEqual([
        { agentId: 'agent-7', input: 'Hi there', dynamicVariables: { name: 'Ada' } },
      ]);
      expect(t.calls.recorded[0]!.origin).toEqual({ fast: true });
      expect(t.calls.nextTurns).toEqual([2]);
    });

    it('a second start goes through the begin step, flagged suspect', async () => {
      const t = setUp({ begin: [sendTurn()], vendor: [success('chat-1')] });
      await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1, f: first }, 2).job);
      expect(t.calls.begins).toEqual([{ turn: 1, suspect: true }]);
      expect(t.calls.recorded[0]!.origin).toEqual({});
    });

    it.each([
      ['a paused batch', { state: 'paused' }, first],
      ['a scheduled batch', { scheduledAt: NOW + 1000 }, first],
      ['a batch past its deadline', { expireAt: NOW - 1 }, first],
      [
        'a closed window',
        {
          window: {
            days: [1, 2, 3, 4, 5, 6, 7],
            startMinute: 14 * 60,
            endMinute: 18 * 60,
            timezone: 'UTC',
          },
        },
        first,
      ],
      ['an opt-out word', {}, { a: 'agent-7', i: ' STOP ' }],
    ])('%s goes through the begin step', async (_name, batch, payload) => {
      const t = setUp({ batch, begin: [{ kind: 'done', state: 'cancelled' }] });
      await t.process(fakeJob({ b: 'b1', c: 'c1', k: 1, f: payload }).job);
      expect(t.calls.begins).toEqual([{ turn: 1, suspect: false }]);
      expect(t.calls.sent).toEqual([]);
    });
  });

  it('a stale reply (writes lost to a failover) is not counted, and the store’s next turn is queued', async () => {
    const t = setUp({
      begin: [sendTurn()],
      vendor: [success('chat-x')],
      record: [{ kind: 'stale', nextTurn: 1, state: 'active' }],
    });
    await t.process(fakeJob({ b: 'b1', c: 'c1', k: 2 }).job);
    expect(t.calls.nextTurns).toEqual([1]);
    expect(await t.counter('chatbatch_possible_duplicate_requests_total', {})).toBe(1);
    expect(await t.counter('chatbatch_turns_total', { result: 'completed' })).toBe(0);
  });

  it('runs a kickoff job and refuses a malformed turn job', async () => {
    const t = setUp({});
    await t.process(fakeJob({ b: 'b9' }, 1, 'kickoff').job);
    expect(t.calls.kickoffs).toEqual(['b9']);
    await expect(t.process(fakeJob({ b: 'b1', k: 'one' }).job)).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });
});
