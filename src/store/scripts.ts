import type { Redis } from 'ioredis';
import {
  COMMIT_STAGED,
  DROP_STAGING,
  SETTLE_STANDALONE,
  STAGE_ROWS,
  STAGE_STANDALONE,
} from './lua-ingest.js';
import { BEGIN_TURNS, DEFER_TURN, NOTE_RETRY, RECORD_TURNS } from './lua-turns.js';
import { CANCEL_CONVERSATIONS, RETRY_FAILED, SET_BATCH_STATE, TAKE_PARKED } from './lua-control.js';
import { FIND_STUCK } from './lua-watchdog.js';
import { APPEND_TURN } from './lua-append.js';
import { IDEMPOTENCY_SWAP } from './lua-idempotency.js';
import { TAKE_LANE_TAGS } from './lua-lanes.js';
import { SAVE_REJECTED } from './lua-rejected.js';
import { PACER_THROTTLE } from './lua-pacer.js';

const SCRIPTS = {
  cbStageRows: { numberOfKeys: 4, lua: STAGE_ROWS },
  cbCommitStaged: { numberOfKeys: 3, lua: COMMIT_STAGED },
  cbDropStaging: { numberOfKeys: 5, lua: DROP_STAGING },
  cbStageStandalone: { numberOfKeys: 3, lua: STAGE_STANDALONE },
  cbSettleStandalone: { numberOfKeys: 3, lua: SETTLE_STANDALONE },
  cbBeginTurns: { numberOfKeys: 1, lua: BEGIN_TURNS },
  cbRecordTurns: { numberOfKeys: 1, lua: RECORD_TURNS },
  // The same script with the pacer's completed-turns counter as KEYS[2] (adaptive pacing on).
  cbRecordTurnsCounted: { numberOfKeys: 2, lua: RECORD_TURNS },
  cbNoteRetry: { numberOfKeys: 2, lua: NOTE_RETRY },
  cbDeferTurn: { numberOfKeys: 2, lua: DEFER_TURN },
  cbCancelConversations: { numberOfKeys: 1, lua: CANCEL_CONVERSATIONS },
  cbSetBatchState: { numberOfKeys: 1, lua: SET_BATCH_STATE },
  cbRetryFailed: { numberOfKeys: 2, lua: RETRY_FAILED },
  cbTakeParked: { numberOfKeys: 2, lua: TAKE_PARKED },
  cbFindStuck: { numberOfKeys: 2, lua: FIND_STUCK },
  cbAppendTurn: { numberOfKeys: 3, lua: APPEND_TURN },
  cbIdempotencySwap: { numberOfKeys: 1, lua: IDEMPOTENCY_SWAP },
  cbTakeLaneTags: { numberOfKeys: 3, lua: TAKE_LANE_TAGS },
  cbSaveRejected: { numberOfKeys: 1, lua: SAVE_REJECTED },
  cbPacerThrottle: { numberOfKeys: 1, lua: PACER_THROTTLE },
} as const;

export type ScriptName = keyof typeof SCRIPTS;
type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/**
 * Registers the store's Lua scripts on a connection (ioredis sends EVALSHA and falls back to
 * EVAL once per connection) and returns a caller. Idempotent per connection.
 */
export function storeScripts(
  redis: Redis,
): (name: ScriptName, args: (string | number)[]) => Promise<unknown> {
  const commands = redis as unknown as Record<string, ScriptFn | undefined>;
  for (const [name, def] of Object.entries(SCRIPTS)) {
    if (typeof commands[name] !== 'function') redis.defineCommand(name, def);
  }
  return (name, args) => (commands[name] as ScriptFn).apply(redis, args);
}
