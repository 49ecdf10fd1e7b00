import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import { storeScripts } from './scripts.js';

/** A customer message added to a conversation after its ingest. */
export interface AppendedTurn {
  /** The customer's message, already validated (1–20,480 characters). */
  input: string;
  /** The turn's own dynamic variables, overlaid on the conversation's; none when empty. */
  variables?: Record<string, string>;
}

/** What APPEND_TURN did (see lua-append.ts). */
export type AppendResult =
  /** The turn was added as `turn`; `queue` says the caller must queue it (it was reactivated). */
  | { kind: 'appended'; turn: number; queue: boolean }
  /** Refused: `reason` is the conversation's state, or `batch-cancelled`. */
  | { kind: 'refused'; reason: string }
  | { kind: 'no-batch' }
  | { kind: 'no-conversation' };

export interface AppendStore {
  appendTurn(batchId: string, conversationId: string, turn: AppendedTurn): Promise<AppendResult>;
}

export function createAppendStore(deps: {
  redis: Redis;
  keys: Keys;
  /** How long the batch's keys live after this write, in seconds (CHATBATCH_RETENTION_DAYS). */
  retentionSeconds: number;
  /** Most turns per conversation (CHATBATCH_MAX_TURNS). */
  maxTurns: number;
}): AppendStore {
  const { redis, keys, retentionSeconds, maxTurns } = deps;
  const run = storeScripts(redis);
  return {
    async appendTurn(batchId, conversationId, turn) {
      const names = turn.variables ? Object.keys(turn.variables) : [];
      const reply = (await run('cbAppendTurn', [
        keys.conversation(batchId, conversationId),
        keys.batch(batchId),
        keys.order(batchId),
        conversationId,
        turn.input,
        names.length > 0 ? JSON.stringify(turn.variables) : '',
        retentionSeconds,
        maxTurns,
      ])) as (string | number)[];
      const kind = reply[0];
      switch (kind) {
        case 'queue':
        case 'appended':
          return { kind: 'appended', turn: Number(reply[1]), queue: kind === 'queue' };
        case 'refused':
          return { kind, reason: String(reply[1]) };
        case 'no-batch':
        case 'no-conversation':
          return { kind };
        default:
          throw new Error(`unexpected reply from the append script: ${String(kind)}`);
      }
    },
  };
}
