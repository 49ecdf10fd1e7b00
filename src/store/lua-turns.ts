import { LUA_COMMON } from './lua-common.js';
import { LUA_RULES } from './lua-rules.js';

/**
 * The worker's first step for the job of turn k: the store, not the job, decides what to do,
 * so a replayed job (stalled-job recovery, a crash) never sends a recorded turn again.
 * Many turns per call (the worker batches the begins of its concurrent jobs: one command for
 * many turns costs the worker far less CPU than one each).
 * Checks the contact rules (lua-rules.ts) before an attempt starts.
 * KEYS: 1 any key of the prefix (routes the call on a Redis Cluster; every key shares its tag).
 * ARGV: 1 now (ms), 2 lease (ms), 3 suppression-list key, 4 contacts key prefix, 5 opt-out
 * words (normalised, one per line), then 5 per turn: conversation key, batch key, parked-set
 * key, conversation id, k (negative: -k, the job may have started an attempt on the fast path
 * that never reported back, see below). Returns, per turn, one of:
 *   {'gone'}                     the conversation no longer exists (retention, never staged)
 *   {'recorded', nextK, state}   turn k is recorded already: only make sure the next is queued
 *   {'done', state}              the conversation is finished, or (now) cancelled or expired
 *   {'stale', nextK}             the job is for another turn than the next one
 *   {'parked'}                   the batch is paused: set aside until resume
 *   {'wait', until}              the batch is scheduled later: come back then
 *   {'busy', leaseUntil}         another attempt of this turn may still be in flight
 *   {'suppressed', code, turns}  a contact rule stopped the conversation (turns: how many)
 *   {'send', attempt, previousChatId, agentId, variables, input, turnVariables, timezone,
 *    window JSON, expireAt}
 */
export const BEGIN_TURNS = `${LUA_COMMON}${LUA_RULES}
-- A batch's settings, read once per call: the turns of one call are mostly one batch's, and no
-- step of beginTurn writes these fields.
local batchRows = {}
local function batchRow(bkey)
  local b = batchRows[bkey]
  if not b then
    b = redis.call('HMGET', bkey, 'state', 'scheduledAt', 'expireAt', 'window', 'fcap')
    batchRows[bkey] = b
  end
  return b
end
local function beginTurn(ckey, bkey, pkey, cid, k, now, leaseMs, rules)
  local suspect = k < 0
  if suspect then k = -k end
  local b = batchRow(bkey)
  local batchState = b[1]
  -- One read for the checks and for what the request needs.
  local f = redis.call('HMGET', ckey, 's', 'k', 'lease', 's' .. k, 'n',
    k == 1 and 'p' or ('c' .. (k - 1)), 'ag', 'v', 'i' .. k, 'v' .. k, 'z', 'rc')
  local s = f[1]
  -- A staged conversation has no state yet: it is not ours to send.
  if not batchState or not s then
    return {'gone'}
  end
  if f[4] == 'completed' then return {'recorded', f[2], s} end
  if s ~= 'pending' and s ~= 'active' then return {'done', s} end
  if tonumber(f[2]) ~= k then return {'stale', f[2]} end
  if batchState == 'cancelled' then
    -- Committed after the cancel swept the batch (an ingest racing it): never sent.
    closeRemaining(ckey, bkey, 0, tonumber(f[5]), 'cancelled')
    redis.call('HSET', ckey, 's', 'cancelled')
    redis.call('HDEL', ckey, 'lease')
    moveCount(bkey, 'c', s, 'cancelled', 1)
    checkFinished(bkey, now)
    emitClosed(bkey, ckey, cid, 'cancelled', now)
    return {'done', 'cancelled'}
  end
  if batchState == 'paused' then
    redis.call('SADD', pkey, cid)
    return {'parked'}
  end
  if b[3] and now >= tonumber(b[3]) then
    closeRemaining(ckey, bkey, 0, tonumber(f[5]), 'expired')
    redis.call('HSET', ckey, 's', 'expired')
    redis.call('HDEL', ckey, 'lease')
    moveCount(bkey, 'c', s, 'expired', 1)
    checkFinished(bkey, now)
    emitClosed(bkey, ckey, cid, 'expired', now)
    return {'done', 'expired'}
  end
  if b[2] and now < tonumber(b[2]) then return {'wait', b[2]} end
  local lease = tonumber(f[3]) or 0
  if lease > now then return {'busy', tostring(lease)} end
  if suspect then
    -- This job was eligible for the fast path, which takes no lease, and was started before
    -- (a worker died or lost its lock). If no step of the turn ever ran here (a begin creates
    -- its attempt count; a fast attempt reports back with a count or an error; a fence leaves
    -- a lease), the first attempt may still be in flight: fence it off for one lease, the
    -- longest an attempt can last, before sending again.
    -- The attempt that may have been sent is counted now ('x<k>' says so, so that its own
    -- report, should it come, does not count it twice): a turn is never sent more often than
    -- its attempts say.
    local seen = redis.call('HMGET', ckey, 'a' .. k, 'e' .. k)
    if not seen[1] and not seen[2] and lease == 0 then
      redis.call('HSET', ckey, 'lease', now + leaseMs, 'x' .. k, 1)
      redis.call('HINCRBY', ckey, 'a' .. k, 1)
      if s == 'pending' then
        redis.call('HSET', ckey, 's', 'active')
        moveCount(bkey, 'c', 'pending', 'active', 1)
      end
      return {'busy', tostring(now + leaseMs)}
    end
  end
  local stop = contactRule(ckey, bkey, s, k, tonumber(f[5]), f[12], f[9] or '', b[5], rules, now)
  if stop then
    return {'suppressed', stop[1],
      suppressFrom(ckey, bkey, cid, s, k, tonumber(f[5]), stop[1], stop[2], now)}
  end
  if s == 'pending' then
    redis.call('HSET', ckey, 'lease', now + leaseMs, 's', 'active')
    moveCount(bkey, 'c', 'pending', 'active', 1)
  else
    redis.call('HSET', ckey, 'lease', now + leaseMs)
  end
  local attempt = redis.call('HINCRBY', ckey, 'a' .. k, 1)
  return {'send', attempt, f[6] or '', f[7] or '', f[8] or '', f[9] or '', f[10] or '', f[11] or '',
    b[4] or '', b[3] or ''}
end
local now, leaseMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local rules = {suppressions = ARGV[3], contacts = ARGV[4], words = {}}
for word in string.gmatch(ARGV[5], '[^\\n]+') do rules.words[word] = true end
local out = {}
deferCounts = true
for a = 6, #ARGV, 5 do
  out[#out + 1] = beginTurn(ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], tonumber(ARGV[a + 4]), now, leaseMs, rules)
end
applyCounts(nil)
return out
`;

/**
 * Undoes a begun attempt that was not sent (the recipient's send window is closed): frees the
 * lease, refunds the attempt, and a conversation that had not started is pending again (and no
 * longer counts as a start against its recipient's frequency cap).
 * KEYS: 1 conversation, 2 batch. ARGV: 1 k, 2 contacts key prefix.
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
  local rc = redis.call('HGET', KEYS[1], 'rc')
  if rc then redis.call('ZREM', ARGV[2] .. rc, KEYS[1]) end
end
return 1
`;

/**
 * Adaptive pacing (src/worker/pacing) measures the fleet's completed turns over time: when the
 * caller passes a counter as KEYS[2] (cbRecordTurnsCounted: keys.pacerAccepted of the quarter
 * second of the call's first completion), the call's completed turns are added to it. One INCRBY
 * per call (and an EXPIRE when it creates the counter), no extra round trip. Reads only each
 * turn's outcome (ARGV[a + 7]), so it stands apart from recordTurn.
 */
const COUNT_ACCEPTED = `
if KEYS[2] then
  local accepted = 0
  for a = 2, #ARGV, 12 do
    if ARGV[a + 7] == 'completed' then accepted = accepted + 1 end
  end
  if accepted > 0 then
    -- A new counter (its first completions) gets its TTL; the others have it.
    if redis.call('INCRBY', KEYS[2], accepted) == accepted then redis.call('EXPIRE', KEYS[2], 10) end
  end
end`;

/**
 * Records the final outcome of turn k (completed or failed) and moves the conversation on.
 * Many turns per call, like BEGIN_TURNS.
 * KEYS: 1 any key of the prefix (routes the call on a Redis Cluster), 2 (optional) the pacer's
 * completed-turns counter (COUNT_ACCEPTED).
 * ARGV: 1 retention s, then 12 per turn: conversation key, batch key, failed-set key, fast flag
 * ('1': the attempt was sent on the fast path, see the turn processor, and began nowhere else),
 * conversation id, k, now, outcome (completed|failed), chatId, chatStatus, result JSON, the
 * previousChatId the request was sent with ('' for none).
 * Returns, per turn, {'next'} (queue turn k+1), {'finished', state, skippedTurns}, {'dup', nextK, state}
 * (recorded already: a retried or replayed call whose first reply was lost),
 * {'stale', nextK, state}, {'cancelled'} or {'gone'}.
 *
 * 'stale': the store does not expect this reply. Turn k is not the conversation's next turn,
 * or the request was sent with another previousChatId than the recorded turn k-1's. Neither
 * happens while Redis keeps what it acknowledged; after a failover that lost the last writes
 * (asynchronous replication), a worker may come back with a reply from that lost history.
 * Recording it would break the chain, so nothing changes and the chat stays orphaned upstream.
 */
export const RECORD_TURNS = `${LUA_COMMON}
local function recordTurn(ckey, bkey, fkey, fast, cid, k, now, outcome, chatId, chatStatus, resultJson, sentAfter, ttl)
  local f = redis.call('HMGET', ckey, 's', 'n', 's' .. k, 'k', k == 1 and 'p' or ('c' .. (k - 1)),
    'x' .. k)
  local s, n, turnState = f[1], tonumber(f[2]), f[3]
  if not s or not n then return {'gone'} end
  if turnState == 'completed' then return {'dup', f[4], s} end
  if tonumber(f[4]) ~= k or (f[5] or '') ~= sentAfter then return {'stale', f[4], s} end
  local newTurnState = (outcome == 'completed') and 'completed' or 'failed'
  local fields = {'r' .. k, resultJson, 's' .. k, newTurnState}
  if outcome == 'completed' then
    fields[#fields + 1] = 'c' .. k
    fields[#fields + 1] = chatId
  end
  local started = false
  if fast == '1' and s == 'pending' then
    -- Sent on the fast path, without BEGIN_TURNS: the conversation starts here
    -- (pending -> active), as the begin step would have.
    moveCount(bkey, 'c', 'pending', 'active', 1)
    s = 'active'
    started = true
  end
  if fast == '1' and not f[6] then
    -- The fast attempt is the turn's first and only one so far, counted here; no lease or
    -- error to clear.
    fields[#fields + 1] = 'a' .. k
    fields[#fields + 1] = 1
  else
    -- A begun attempt (its lease and last error go), or a fast one a fence counted already.
    redis.call('HDEL', ckey, 'lease', 'e' .. k, 'x' .. k)
  end
  -- A conversation cancelled while this turn was in flight stays cancelled; the reply is kept.
  local cancelled = s ~= 'pending' and s ~= 'active'
  local finalState
  if cancelled then
    finalState = nil
  elseif outcome ~= 'completed' then
    finalState = 'failed'
  elseif chatStatus == 'ended' then
    finalState = 'ended'
  elseif k >= n then
    finalState = 'completed'
  end
  -- The turn and where the conversation goes, in one write (the hot path: every command counts).
  if finalState then
    fields[#fields + 1] = 's'
    fields[#fields + 1] = finalState
  elseif not cancelled then
    fields[#fields + 1] = 'k'
    fields[#fields + 1] = k + 1
    if started then
      fields[#fields + 1] = 's'
      fields[#fields + 1] = 'active'
    end
  end
  redis.call('HSET', ckey, unpack(fields))
  redis.call('EXPIRE', ckey, ttl)
  moveCount(bkey, 't', turnState, newTurnState, 1)
  if cancelled then return {'cancelled'} end
  if not finalState then return {'next'} end
  if finalState == 'failed' then
    redis.call('SADD', fkey, cid)
    redis.call('EXPIRE', fkey, ttl)
  end
  local skipped = k < n and closeRemaining(ckey, bkey, k, n, 'skipped') or 0
  moveCount(bkey, 'c', s, finalState, 1)
  checkFinished(bkey, now)
  emitClosed(bkey, ckey, cid, finalState, now)
  return {'finished', finalState, skipped}
end
local ttl = tonumber(ARGV[1])
local out = {}
local callNow = 0
deferCounts = true
for a = 2, #ARGV, 12 do
  callNow = math.max(callNow, tonumber(ARGV[a + 6]))
  out[#out + 1] = recordTurn(ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4],
    tonumber(ARGV[a + 5]), ARGV[a + 6], ARGV[a + 7], ARGV[a + 8], ARGV[a + 9], ARGV[a + 10],
    ARGV[a + 11], ttl)
end
applyCounts(ttl, callNow)
${COUNT_ACCEPTED}
return out
`;

/**
 * Notes a failed attempt that will be retried: keeps its error for the results and frees the
 * in-flight lease so the retry may start. With ARGV[3] = '1' the attempt is refunded: it was
 * not the turn's fault (the vendor refused our API key). With ARGV[4] = '1' the attempt was sent
 * on the fast path (it began nowhere): it is counted here, and the conversation has started.
 * KEYS: 1 conversation, 2 batch. ARGV: 1 k, 2 error JSON, 3 refund flag, 4 fast flag.
 */
export const NOTE_RETRY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'e' .. ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[1], 'lease')
local refund, fast = ARGV[3] == '1', ARGV[4] == '1'
if refund and not fast then redis.call('HINCRBY', KEYS[1], 'a' .. ARGV[1], -1) end
if fast and not refund and redis.call('HDEL', KEYS[1], 'x' .. ARGV[1]) == 0 then
  redis.call('HINCRBY', KEYS[1], 'a' .. ARGV[1], 1)
  if redis.call('HGET', KEYS[1], 's') == 'pending' then
    redis.call('HSET', KEYS[1], 's', 'active')
    redis.call('HINCRBY', KEYS[2], 'c:pending', -1)
    redis.call('HINCRBY', KEYS[2], 'c:active', 1)
  end
end
return 1
`;
