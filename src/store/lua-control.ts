import { LUA_COMMON } from './lua-common.js';
import { PAUSED_BY_OPERATOR } from './batch-status.js';

/**
 * Closes conversations that have not finished: their pending turns, and they, become ARGV[3]
 * (`cancelled` on cancel, `expired` past the batch deadline). A turn in flight is marked too;
 * if its reply arrives, RECORD_TURN keeps it as completed.
 * KEYS: 1 batch. ARGV: 1 conversation key prefix, 2 now, 3 target state, then conversation ids.
 * Returns how many conversations were closed.
 */
export const CANCEL_CONVERSATIONS = `${LUA_COMMON}
local cancelled = 0
local target = ARGV[3]
for a = 4, #ARGV do
  local key = ARGV[1] .. ARGV[a]
  local f = redis.call('HMGET', key, 's', 'n')
  if f[1] == 'pending' or f[1] == 'active' then
    closeRemaining(key, KEYS[1], 0, tonumber(f[2]), target)
    redis.call('HSET', key, 's', target)
    moveCount(KEYS[1], 'c', f[1], target, 1)
    emitClosed(KEYS[1], key, ARGV[a], target, ARGV[2])
    cancelled = cancelled + 1
  end
end
checkFinished(KEYS[1], ARGV[2])
return cancelled
`;

/**
 * Moves a batch to another state if it is in one of the given ones (compare-and-set), and
 * reports the change to its webhook (batch.cancelled, batch.paused with the reason).
 * KEYS: 1 batch. ARGV: 1 states allowed before, space-separated, 2 new state, 3 now (ms),
 * 4 pause reason as JSON ('' none), 5 `pausedReason` code to keep in the hash ('' for a pause:
 * `operator`).
 * Returns 1 when the state changed, 0 otherwise.
 */
export const SET_BATCH_STATE = `${LUA_COMMON}
local state = redis.call('HGET', KEYS[1], 'state')
if not state or not string.find(' ' .. ARGV[1] .. ' ', ' ' .. state .. ' ', 1, true) then
  return 0
end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
-- A pause keeps why (the vendor's code, or 'operator'); any other move forgets it.
if ARGV[2] == 'paused' then
  redis.call('HSET', KEYS[1], 'pausedReason', ARGV[5] ~= '' and ARGV[5] or '${PAUSED_BY_OPERATOR}')
else
  redis.call('HDEL', KEYS[1], 'pausedReason')
end
emitStateChange(KEYS[1], ARGV[2], ARGV[3], ARGV[4])
return 1
`;

/**
 * Takes up to ARGV[2] failed conversations back to active, their failed turn pending again
 * with a fresh attempt budget and their skipped turns pending.
 * KEYS: 1 batch, 2 failed set. ARGV: 1 conversation key prefix, 2 count.
 * Returns a flat list of [conversationId, turn to queue].
 */
export const RETRY_FAILED = `${LUA_COMMON}
local out = {}
local ids = redis.call('SPOP', KEYS[2], tonumber(ARGV[2]))
for _, c in ipairs(ids) do
  local key = ARGV[1] .. c
  local f = redis.call('HMGET', key, 's', 'n', 'k')
  if f[1] == 'failed' then
    local n, k = tonumber(f[2]), tonumber(f[3])
    redis.call('HSET', key, 's' .. k, 'pending', 'a' .. k, 0, 's', 'active')
    redis.call('HDEL', key, 'r' .. k, 'e' .. k, 'lease')
    moveCount(KEYS[1], 't', 'failed', 'pending', 1)
    local reopened = 0
    for j = k + 1, n do
      if redis.call('HGET', key, 's' .. j) == 'skipped' then
        redis.call('HSET', key, 's' .. j, 'pending')
        reopened = reopened + 1
      end
    end
    moveCount(KEYS[1], 't', 'skipped', 'pending', reopened)
    moveCount(KEYS[1], 'c', 'failed', 'active', 1)
    out[#out + 1] = c; out[#out + 1] = k
  end
end
if #out > 0 then redis.call('HDEL', KEYS[1], 'finishedAt') end
return out
`;

/**
 * Sets the batch running again and hands back up to ARGV[1] parked conversations with the
 * turn each must continue at. KEYS: 1 batch, 2 parked set. ARGV: 1 count, 2 conversation
 * key prefix. Returns a flat list of [conversationId, turn].
 */
export const TAKE_PARKED = `
local out = {}
local ids = redis.call('SPOP', KEYS[2], tonumber(ARGV[1]))
for _, c in ipairs(ids) do
  local f = redis.call('HMGET', ARGV[2] .. c, 's', 'k')
  if f[1] == 'pending' or f[1] == 'active' then
    out[#out + 1] = c; out[#out + 1] = f[2]
  end
end
return out
`;
