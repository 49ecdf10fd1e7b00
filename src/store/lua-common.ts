import { LUA_EVENTS } from './lua-events.js';
import { RETENTION_REFRESH_MS } from './ttls.js';

/**
 * Lua helpers shared by the store's scripts. Every counter move happens inside one script
 * together with the state change it counts, so the batch counters are exact and `status`
 * is one HGETALL.
 *
 * Conversation hash fields: `s` state, `n` turn count, `k` next turn to send, `ag` agent,
 * `p` first turn's previousChatId, `v` first-row variables (JSON), `z` time zone,
 * `lease` in-flight-until (ms), `run` ingest run while staged, `bad` rejected while staged.
 * Per turn j: `i<j>` input, `l<j>` line, `v<j>` own variables (JSON), `s<j>` status,
 * `a<j>` attempts, `c<j>` chatId, `r<j>` result (JSON), `e<j>` last attempt error (JSON).
 */
export const LUA_COMMON = `
-- Scripts that handle many turns per call (BEGIN_TURNS, RECORD_TURNS) set deferCounts: counter
-- moves then add up per batch and land once per field in applyCounts(), with the finish check
-- and the retention refresh once per batch, instead of once per turn.
local deferCounts = false
local counts = {}
local finishChecks = {}
${LUA_EVENTS}
local function bump(bkey, field, n)
  if n == 0 then return end
  if not deferCounts then
    redis.call('HINCRBY', bkey, field, n)
    return
  end
  local t = counts[bkey]
  if not t then
    t = {}
    counts[bkey] = t
  end
  t[field] = (t[field] or 0) + n
end
local function moveCount(bkey, kind, from, to, n)
  if from == to or n == 0 then return end
  if from then bump(bkey, kind .. ':' .. from, -n) end
  if to then bump(bkey, kind .. ':' .. to, n) end
end
-- Marks the batch finished when its counters (pending, active: as read) say nothing is left;
-- true when this call did (finishedAt newly set; batch.completed emitted once).
local function markFinishedIfDone(bkey, pending, active, now)
  if (tonumber(pending) or 0) + (tonumber(active) or 0) ~= 0 then return false end
  if redis.call('HSETNX', bkey, 'finishedAt', now) ~= 1 then return false end
  emitBatchEvent(bkey, 'batch.completed', now)
  return true
end
local function finishedCheck(bkey, now)
  local f = redis.call('HMGET', bkey, 'c:pending', 'c:active')
  markFinishedIfDone(bkey, f[1], f[2], now)
end
local function checkFinished(bkey, now)
  if deferCounts then finishChecks[bkey] = now else finishedCheck(bkey, now) end
end
-- A batch and what is kept with it (its order list, its rejected rows) live as long as each
-- other: one retention from the last refresh (see keys.ts).
local function refreshBatchRetention(bkey, ttl)
  redis.call('EXPIRE', bkey, ttl)
  redis.call('EXPIRE', bkey .. ':order', ttl)
  redis.call('EXPIRE', bkey .. ':rejected', ttl)
end
-- Lands deferred counter moves, then per batch touched one read for the finish check and, with
-- ttl, the batch's retention refresh. The refresh runs when the batch finishes and otherwise at
-- most once a minute (or a tenth of the retention) per batch ('rx': when it last ran): three
-- EXPIREs per call were a tenth of the hot path's Redis work, and retention is counted in days.
local function applyCounts(ttl, now)
  local touched = {}
  for bkey, t in pairs(counts) do
    for field, n in pairs(t) do
      if n ~= 0 then redis.call('HINCRBY', bkey, field, n) end
    end
    touched[bkey] = true
  end
  for bkey in pairs(finishChecks) do touched[bkey] = true end
  for bkey in pairs(touched) do
    if ttl or finishChecks[bkey] then
      local f = redis.call('HMGET', bkey, 'c:pending', 'c:active', 'rx')
      local finished = finishChecks[bkey] ~= nil
        and markFinishedIfDone(bkey, f[1], f[2], finishChecks[bkey])
      if ttl and (finished or not f[3] or now - tonumber(f[3]) >= math.min(${RETENTION_REFRESH_MS}, ttl * 100)) then
        redis.call('HSET', bkey, 'rx', now)
        refreshBatchRetention(bkey, ttl)
      end
    end
  end
  counts = {}
  finishChecks = {}
  flushEvents()
end
-- The per-turn field names prefix .. 1 … prefix .. n, for HMGET and HDEL.
local function turnFields(prefix, n)
  local names = {}
  for j = 1, n do names[j] = prefix .. j end
  return names
end
-- Marks every still-pending turn after 'from' with 'to' (skipped, cancelled, expired).
local function closeRemaining(ckey, bkey, from, n, to)
  local moved = 0
  for j = from + 1, n do
    if redis.call('HGET', ckey, 's' .. j) == 'pending' then
      redis.call('HSET', ckey, 's' .. j, to)
      moved = moved + 1
    end
  end
  moveCount(bkey, 't', 'pending', to, moved)
  return moved
end
`;
