import type { Redis } from 'ioredis';
import { PACER_SLOT_MS, type Keys } from '../shared/keys.js';
import type { ChatStatus, TurnError } from '../shared/records.js';
import { storeScripts } from './scripts.js';
import { createCallBatcher } from './call-batcher.js';
import { overlayVariables } from '../shared/variables.js';
import type { SendWindow } from '../shared/send-window.js';

/** What the store says a job for turn k should do. */
export type BeginTurn =
  | { kind: 'gone' }
  | { kind: 'recorded'; nextTurn: number; state: string }
  | { kind: 'done'; state: string }
  | { kind: 'stale'; nextTurn: number }
  | { kind: 'parked' }
  | { kind: 'busy'; leaseUntil: number }
  | { kind: 'wait'; until: number }
  /** A contact rule stopped the conversation: `turns` of its turns became `suppressed`. */
  | { kind: 'suppressed'; reason: SuppressionReason; turns: number }
  | {
      kind: 'send';
      attempt: number;
      previousChatId: string | undefined;
      agentId: string;
      /** First-row variables overlaid with this turn's own, or undefined when none. */
      dynamicVariables: Record<string, string> | undefined;
      input: string;
      /** The recipient's IANA zone, when the input gave one. */
      timezone: string | undefined;
      /** The batch's send window, when it has one. */
      window: SendWindow | undefined;
      /** The batch's deadline (ms), when it has one. */
      expireAt: number | undefined;
    };

/** Why a turn was not sent (the `error.code` of a suppressed turn). */
export type SuppressionReason = 'suppression_list' | 'frequency_cap' | 'opted_out';

export type RecordTurn =
  | { kind: 'next' }
  | { kind: 'finished'; state: string; skippedTurns: number }
  /** Recorded already (this call repeats one whose reply was lost): where the conversation is. */
  | { kind: 'dup'; nextTurn: number; state: string }
  /**
   * Not the reply the store expects (another turn is next, or the request was sent from
   * another chat): one from writes a Redis failover lost. Nothing was recorded.
   */
  | { kind: 'stale'; nextTurn: number; state: string }
  | { kind: 'cancelled' }
  | { kind: 'gone' };

export interface TurnOutcome {
  outcome: 'completed' | 'failed';
  chatId: string | null;
  chatStatus: ChatStatus | null;
  previousChatId: string | null;
  response: unknown[] | null;
  error: TurnError | null;
  completedAt: number;
}

/** The result of a turn as kept in the conversation hash (`r<k>`). */
export interface StoredResult {
  p: string | null;
  cs: ChatStatus | null;
  rs: unknown[] | null;
  at: string;
  e: TurnError | null;
}

/** How an attempt was started, when it was not by `begin` (see the turn processor). */
export interface AttemptOrigin {
  /** Sent on the fast path: no begin step took a lease or counted it. */
  fast?: boolean;
}

export interface TurnStore {
  begin(
    batchId: string,
    conversationId: string,
    turn: number,
    now: number,
    leaseMs: number,
    options?: {
      /**
       * The job was eligible for the fast path and has been started before: an attempt without
       * a lease may still be in flight (BEGIN_TURNS fences it off for one lease).
       */
      suspect?: boolean;
    },
  ): Promise<BeginTurn>;
  record(
    batchId: string,
    conversationId: string,
    turn: number,
    result: TurnOutcome,
    origin?: AttemptOrigin,
  ): Promise<RecordTurn>;
  /** Undoes a begun attempt that was not sent (closed send window). */
  defer(batchId: string, conversationId: string, turn: number): Promise<void>;
  /** Notes a failed attempt before its retry; `refund` gives the attempt back to the turn. */
  noteRetry(
    batchId: string,
    conversationId: string,
    turn: number,
    error: TurnError,
    refund?: boolean,
    origin?: AttemptOrigin,
  ): Promise<void>;
}

/** The turn's variables from the stored JSON (see overlayVariables), or undefined when none. */
function mergeVariables(base: string, own: string): Record<string, string> | undefined {
  if (!base && !own) return undefined;
  const merged = overlayVariables(
    base ? (JSON.parse(base) as Record<string, string>) : {},
    own ? (JSON.parse(own) as Record<string, string>) : {},
  );
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** Decodes one turn's answer of BEGIN_TURNS. */
function beginFromReply(reply: (string | number)[]): BeginTurn {
  const kind = reply[0];
  switch (kind) {
    case 'send':
      return {
        kind,
        attempt: Number(reply[1]),
        previousChatId: (reply[2] as string) || undefined,
        agentId: String(reply[3]),
        dynamicVariables: mergeVariables(String(reply[4]), String(reply[6])),
        input: String(reply[5]),
        timezone: (reply[7] as string) || undefined,
        window: reply[8] ? (JSON.parse(String(reply[8])) as SendWindow) : undefined,
        expireAt: reply[9] ? Number(reply[9]) : undefined,
      };
    case 'recorded':
      return { kind, nextTurn: Number(reply[1]), state: String(reply[2]) };
    case 'done':
      return { kind, state: String(reply[1]) };
    case 'stale':
      return { kind, nextTurn: Number(reply[1]) };
    case 'wait':
      return { kind, until: Number(reply[1]) };
    case 'busy':
      return { kind, leaseUntil: Number(reply[1]) };
    case 'suppressed':
      return { kind, reason: String(reply[1]) as SuppressionReason, turns: Number(reply[2]) };
    case 'parked':
    case 'gone':
      return { kind };
    default:
      throw new Error(`unexpected reply from the turn store: ${String(kind)}`);
  }
}

export function createTurnStore(deps: {
  redis: Redis;
  keys: Keys;
  retentionSeconds: number;
  /** Inputs that are a request to stop, normalised (Config.optOutWords). Default none. */
  optOutWords?: readonly string[];
  /**
   * Count completed turns per quarter second for adaptive pacing (keys.pacerAccepted), inside the
   * record call. Default false (CHATBATCH_ADAPTIVE=off counts nothing).
   */
  countAccepted?: boolean;
}): TurnStore {
  const { redis, keys, retentionSeconds } = deps;
  const optOutWords = (deps.optOutWords ?? []).join('\n');
  const run = storeScripts(redis);

  interface BeginCall {
    batchId: string;
    conversationId: string;
    turn: number;
    now: number;
    leaseMs: number;
    suspect: boolean;
  }
  const beginMany = createCallBatcher<BeginCall, (string | number)[]>(async (calls) => {
    const last = calls[calls.length - 1]!;
    // KEYS[1] only routes the call (Redis Cluster): every key shares the prefix's hash tag.
    const args: (string | number)[] = [
      keys.batch(last.batchId),
      last.now,
      last.leaseMs,
      keys.suppressions,
      keys.contactsPrefix,
      optOutWords,
    ];
    for (const c of calls) {
      args.push(
        keys.conversation(c.batchId, c.conversationId),
        keys.batch(c.batchId),
        keys.parked(c.batchId),
        c.conversationId,
        // A negative turn asks for the fast-path fence (see BEGIN_TURNS).
        c.suspect ? -c.turn : c.turn,
      );
    }
    return (await run('cbBeginTurns', args)) as (string | number)[][];
  });

  interface RecordCall {
    batchId: string;
    conversationId: string;
    turn: number;
    result: TurnOutcome;
    fast: boolean;
  }
  const recordMany = createCallBatcher<RecordCall, string[]>(async (calls) => {
    const first = calls[0]!;
    // KEYS[1] only routes the call (Redis Cluster): every key shares the prefix's hash tag.
    const args: (string | number)[] = [keys.batch(first.batchId)];
    // The quarter second of the call's first completion counts them all (adaptive pacing).
    if (deps.countAccepted) {
      args.push(keys.pacerAccepted(Math.floor(first.result.completedAt / PACER_SLOT_MS)));
    }
    args.push(retentionSeconds);
    for (const { batchId, conversationId, turn, result, fast } of calls) {
      const stored: StoredResult = {
        p: result.previousChatId,
        cs: result.chatStatus,
        rs: result.response,
        at: new Date(result.completedAt).toISOString(),
        e: result.error,
      };
      args.push(
        keys.conversation(batchId, conversationId),
        keys.batch(batchId),
        keys.failed(batchId),
        fast ? '1' : '0',
        conversationId,
        turn,
        result.completedAt,
        result.outcome,
        result.chatId ?? '',
        result.chatStatus ?? '',
        JSON.stringify(stored),
        result.previousChatId ?? '',
      );
    }
    return (await run(
      deps.countAccepted ? 'cbRecordTurnsCounted' : 'cbRecordTurns',
      args,
    )) as string[][];
  });

  return {
    async begin(batchId, conversationId, turn, now, leaseMs, options = {}) {
      const reply = await beginMany({
        batchId,
        conversationId,
        turn,
        now,
        leaseMs,
        suspect: options.suspect === true,
      });
      return beginFromReply(reply);
    },

    async record(batchId, conversationId, turn, result, origin = {}) {
      const reply = await recordMany({
        batchId,
        conversationId,
        turn,
        result,
        fast: origin.fast === true,
      });
      const kind = reply[0];
      if (kind === 'finished')
        return { kind, state: String(reply[1]), skippedTurns: Number(reply[2]) };
      if (kind === 'dup' || kind === 'stale')
        return { kind, nextTurn: Number(reply[1]), state: String(reply[2]) };
      if (kind === 'next' || kind === 'cancelled' || kind === 'gone') return { kind };
      throw new Error(`unexpected reply from the turn store: ${String(kind)}`);
    },

    async defer(batchId, conversationId, turn) {
      await run('cbDeferTurn', [
        keys.conversation(batchId, conversationId),
        keys.batch(batchId),
        turn,
        keys.contactsPrefix,
      ]);
    },

    async noteRetry(batchId, conversationId, turn, error, refund = false, origin = {}) {
      await run('cbNoteRetry', [
        keys.conversation(batchId, conversationId),
        keys.batch(batchId),
        turn,
        JSON.stringify(error),
        refund ? '1' : '0',
        origin.fast ? '1' : '0',
      ]);
    },
  };
}
