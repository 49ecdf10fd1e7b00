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
local function bump(bkey, field, n)
  if n ~= 0 then redis.call('HINCRBY', bkey, field, n) end
end
local function moveCount(bkey, kind, from, to, n)
  if from == to or n == 0 then return end
  if from then bump(bkey, kind .. ':' .. from, -n) end
  if to then bump(bkey, kind .. ':' .. to, n) end
end
local function checkFinished(bkey, now)
  local f = redis.call('HMGET', bkey, 'c:pending', 'c:active')
  if (tonumber(f[1]) or 0) + (tonumber(f[2]) or 0) == 0 then
    redis.call('HSETNX', bkey, 'finishedAt', now)
  end
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
