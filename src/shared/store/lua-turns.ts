import { LUA_COMMON } from './lua-common.js';

/**
 * The worker's first step for the job of turn k: the store, not the job, decides what to do,
 * so a replayed job (stalled-job recovery, a crash) never sends a recorded turn again.
 * KEYS: 1 conversation, 2 batch, 3 parked set.
 * ARGV: 1 conversation id, 2 k, 3 now (ms), 4 lease (ms).
 * Returns one of:
 *   {'gone'}                     the conversation no longer exists (retention, never staged)
 *   {'recorded', nextK, state}   turn k is recorded already: only make sure the next is queued
 *   {'done', state}              the conversation is finished, cancelled or (now) expired
 *   {'stale', nextK}             the job is for another turn than the next one
 *   {'parked'}                   the batch is paused: set aside until resume
 *   {'wait', until}              the batch is scheduled later: come back then
 *   {'busy', leaseUntil}         another attempt of this turn may still be in flight
 *   {'send', attempt, previousChatId, agentId, variables, input, turnVariables, timezone,
 *    window JSON, expireAt}
 */
export const BEGIN_TURN = `${LUA_COMMON}
local k = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[2], 'state', 'scheduledAt', 'expireAt', 'window')
local batchState = b[1]
local f = redis.call('HMGET', KEYS[1], 's', 'k', 'lease', 's' .. k, 'n')
local s = f[1]
-- A staged conversation has no state yet: it is not ours to send.
if not batchState or not s then
  return {'gone'}
end
if f[4] == 'completed' then return {'recorded', f[2], s} end
if s ~= 'pending' and s ~= 'active' then return {'done', s} end
if tonumber(f[2]) ~= k then return {'stale', f[2]} end
if batchState == 'paused' then
  redis.call('SADD', KEYS[3], ARGV[1])
  return {'parked'}
end
if b[3] and now >= tonumber(b[3]) then
  closeRemaining(KEYS[1], KEYS[2], 0, tonumber(f[5]), 'expired')
  redis.call('HSET', KEYS[1], 's', 'expired')
  redis.call('HDEL', KEYS[1], 'lease')
  moveCount(KEYS[2], 'c', s, 'expired', 1)
  checkFinished(KEYS[2], now)
  return {'done', 'expired'}
end
if b[2] and now < tonumber(b[2]) then return {'wait', b[2]} end
local lease = tonumber(f[3]) or 0
if lease > now then return {'busy', tostring(lease)} end
redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[4]))
if s == 'pending' then
  redis.call('HSET', KEYS[1], 's', 'active')
  redis.call('HINCRBY', KEYS[2], 'c:pending', -1)
  redis.call('HINCRBY', KEYS[2], 'c:active', 1)
end
local attempt = redis.call('HINCRBY', KEYS[1], 'a' .. k, 1)
local d = redis.call('HMGET', KEYS[1], k == 1 and 'p' or ('c' .. (k - 1)), 'ag', 'v', 'i' .. k, 'v' .. k, 'z')
return {'send', attempt, d[1] or '', d[2] or '', d[3] or '', d[4] or '', d[5] or '', d[6] or '',
  b[4] or '', b[3] or ''}
`;

/**
 * Undoes a begun attempt that was not sent (the recipient's send window is closed): frees the
 * lease, refunds the attempt, and a conversation that had not started is pending again.
 * KEYS: 1 conversation, 2 batch. ARGV: 1 k.
 */
export const DEFER_TURN = `
local k = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[1], 'lease')
local left = redis.call('HINCRBY', KEYS[1], 'a' .. k, -1)
if k == '1' and left == 0 and redis.call('HGET', KEYS[1], 's') == 'active' then
  redis.call('HSET', KEYS[1], 's', 'pending')
  redis.call('HINCRBY', KEYS[2], 'c:active', -1)
  redis.call('HINCRBY', KEYS[2], 'c:pending', 1)
end
return 1
`;

/**
 * Records the final outcome of turn k (completed or failed) and moves the conversation on.
 * KEYS: 1 conversation, 2 batch, 3 failed set, 4 batch order list.
 * ARGV: 1 conversation id, 2 k, 3 now, 4 outcome (completed|failed), 5 chatId,
 * 6 chatStatus, 7 result JSON, 8 retention s.
 * Returns {'next'} (queue turn k+1), {'finished', state, skippedTurns}, {'dup', nextK, state}
 * (recorded already: a retried or replayed call whose first reply was lost),
 * {'cancelled'} or {'gone'}.
 */
export const RECORD_TURN = `${LUA_COMMON}
local k = tonumber(ARGV[2])
local now, outcome, ttl = ARGV[3], ARGV[4], tonumber(ARGV[8])
local f = redis.call('HMGET', KEYS[1], 's', 'n', 's' .. k)
local s, n, turnState = f[1], tonumber(f[2]), f[3]
if not s or not n then return {'gone'} end
if turnState == 'completed' then return {'dup', redis.call('HGET', KEYS[1], 'k'), s} end
redis.call('HSET', KEYS[1], 'r' .. k, ARGV[7])
redis.call('HDEL', KEYS[1], 'lease', 'e' .. k)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('EXPIRE', KEYS[4], ttl)
local newTurnState = (outcome == 'completed') and 'completed' or 'failed'
redis.call('HSET', KEYS[1], 's' .. k, newTurnState)
moveCount(KEYS[2], 't', turnState, newTurnState, 1)
if outcome == 'completed' then redis.call('HSET', KEYS[1], 'c' .. k, ARGV[5]) end
-- A conversation cancelled while this turn was in flight stays cancelled; the reply is kept.
if s ~= 'pending' and s ~= 'active' then return {'cancelled'} end
local finalState
if outcome ~= 'completed' then
  finalState = 'failed'
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('EXPIRE', KEYS[3], ttl)
elseif ARGV[6] == 'ended' then
  finalState = 'ended'
elseif k >= n then
  finalState = 'completed'
end
if not finalState then
  redis.call('HSET', KEYS[1], 'k', k + 1)
  return {'next'}
end
local skipped = closeRemaining(KEYS[1], KEYS[2], k, n, 'skipped')
redis.call('HSET', KEYS[1], 's', finalState)
moveCount(KEYS[2], 'c', s, finalState, 1)
checkFinished(KEYS[2], now)
return {'finished', finalState, skipped}
`;

/**
 * Notes a failed attempt that will be retried: keeps its error for the results and frees the
 * in-flight lease so the retry may start. With ARGV[3] = '1' the attempt is refunded: it was
 * not the turn's fault (the vendor refused our API key).
 * KEYS: 1 conversation. ARGV: 1 k, 2 error JSON, 3 refund flag.
 */
export const NOTE_RETRY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'e' .. ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[1], 'lease')
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[1], 'a' .. ARGV[1], -1) end
return 1
`;
