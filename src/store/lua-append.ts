import { LUA_COMMON } from './lua-common.js';

/**
 * Appends a turn to a conversation that already exists (the API's "continue a conversation").
 * Atomic, so appends that arrive together each get their own turn number, in the order Redis
 * runs them, and none can slip between a worker's record of the last turn and its decision that
 * the conversation is complete:
 * - the conversation is pending or active: the turn is only added; the worker's RECORD_TURN
 *   reads `n` when it records the turn before, sees k < n and queues the next turn itself, so
 *   the new turn goes out after every turn still pending or in flight, with the previous
 *   turn's chatId;
 * - it completed (every turn sent): it becomes active again at the new turn (`k` = n + 1) and
 *   the caller must queue that turn; BEGIN_TURN sends it with turn n's chatId;
 * - it is cancelled, ended by the agent, failed or expired, or its batch is cancelled: refused;
 * - it has CHATBATCH_MAX_TURNS turns already: refused (`turn-limit`).
 *   An ended chat cannot be continued upstream; a failed conversation has turns waiting for
 *   retry-failed, and a turn appended behind them would wait unseen.
 *
 * The new turn goes last in the batch's order (a run of its own: see lua-ingest.ts).
 * KEYS: 1 conversation, 2 batch, 3 batch order (sorted set; kept as long as the batch, with its
 * rejected rows: refreshBatchRetention in lua-common.ts).
 * ARGV: 1 conversation id, 2 input, 3 the turn's variables JSON ('' for none), 4 retention s,
 * 5 most turns per conversation.
 * Returns {'queue', turn} (reactivated: queue it), {'appended', turn}, {'refused', reason}
 * (reason: the conversation state, 'batch-cancelled' or 'turn-limit'), {'no-batch'} or
 * {'no-conversation'}.
 */
export const APPEND_TURN = `${LUA_COMMON}
local ttl = tonumber(ARGV[4])
local batchState = redis.call('HGET', KEYS[2], 'state')
if not batchState then return {'no-batch'} end
local f = redis.call('HMGET', KEYS[1], 's', 'n')
local s, n = f[1], tonumber(f[2])
-- A conversation still being staged by an ingest has no state yet: it does not exist so far.
if not s or not n then return {'no-conversation'} end
if s ~= 'pending' and s ~= 'active' and s ~= 'completed' then return {'refused', s} end
if batchState == 'cancelled' then return {'refused', 'batch-cancelled'} end
if n >= tonumber(ARGV[5]) then return {'refused', 'turn-limit'} end
local t = n + 1
redis.call('HSET', KEYS[1], 'n', t, 'i' .. t, ARGV[2], 's' .. t, 'pending')
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'v' .. t, ARGV[3]) end
bump(KEYS[2], 't:total', 1)
bump(KEYS[2], 't:pending', 1)
local runs = redis.call('HINCRBY', KEYS[2], 'runs', 1)
redis.call('ZADD', KEYS[3], string.format('%.0f', runs * 4294967296 + 1), ARGV[1] .. '\\31' .. t)
redis.call('EXPIRE', KEYS[1], ttl)
refreshBatchRetention(KEYS[2], ttl)
if s == 'completed' then
  redis.call('HSET', KEYS[1], 's', 'active', 'k', t)
  moveCount(KEYS[2], 'c', 'completed', 'active', 1)
  redis.call('HDEL', KEYS[2], 'finishedAt')
  return {'queue', t}
end
return {'appended', t}
`;
