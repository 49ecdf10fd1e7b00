import { LUA_COMMON } from './lua-common.js';

/**
 * Ingest stages a file's rows in Redis before anything is enqueued, so a conversation whose
 * later row is invalid can still be rejected whole without holding the file in memory.
 *
 * KEYS: 1 staging list (conversations, first-seen order), 2 staging order list (turns in
 * input order), 3 duplicates set, 4 this run's liveness key.
 * ARGV: 1 conversation key prefix, 2 run id, 3 staging key prefix, then 8 per row: conversationId, line, input,
 * agentId, previousChatId, timezone, variables JSON, bad flag.
 * Returns one code per row: S new conversation, s next turn, D first row of a conversation
 * that exists already, d its later rows, A agent differs from the first row, P a
 * previous_chat_id on a later row.
 */
export const STAGE_ROWS = `
local pfx, run, stagingPfx = ARGV[1], ARGV[2], ARGV[3]
redis.call('SET', KEYS[4], '1', 'EX', 300)
local out = {}
local function stageNew(key, c, a)
  redis.call('HSET', key, 'run', run, 'n', 1, 'ag', ARGV[a + 3], 'p', ARGV[a + 4],
    'z', ARGV[a + 5], 'v', ARGV[a + 6], 'i1', ARGV[a + 2], 'l1', ARGV[a + 1])
  if ARGV[a + 7] == '1' then redis.call('HSET', key, 'bad', 1) end
  redis.call('EXPIRE', key, 86400)
  redis.call('RPUSH', KEYS[1], c)
  redis.call('RPUSH', KEYS[2], c .. '\\31' .. '1')
  return 'S'
end
for a = 4, #ARGV, 8 do
  local c = ARGV[a]
  local key = pfx .. c
  local owner = redis.call('HGET', key, 'run')
  local code
  if owner == run then
    local n = redis.call('HINCRBY', key, 'n', 1)
    redis.call('HSET', key, 'i' .. n, ARGV[a + 2], 'l' .. n, ARGV[a + 1])
    if ARGV[a + 6] ~= '' then redis.call('HSET', key, 'v' .. n, ARGV[a + 6]) end
    redis.call('RPUSH', KEYS[2], c .. '\\31' .. n)
    code = 's'
    if ARGV[a + 7] == '1' then redis.call('HSET', key, 'bad', 1) end
    local agent = ARGV[a + 3]
    if agent ~= '' and agent ~= redis.call('HGET', key, 'ag') then
      redis.call('HSET', key, 'bad', 1)
      code = 'A'
    elseif ARGV[a + 4] ~= '' then
      redis.call('HSET', key, 'bad', 1)
      code = 'P'
    end
  elseif owner and redis.call('EXISTS', stagingPfx .. owner .. ':alive') == 0 then
    -- Left over by an ingest run that died: it was never enqueued, so start it afresh.
    redis.call('DEL', key)
    code = stageNew(key, c, a)
  elseif redis.call('EXISTS', key) == 1 then
    code = (redis.call('SADD', KEYS[3], c) == 1) and 'D' or 'd'
  else
    code = stageNew(key, c, a)
  end
  out[#out + 1] = code
end
redis.call('EXPIRE', KEYS[1], 86400)
redis.call('EXPIRE', KEYS[2], 86400)
redis.call('EXPIRE', KEYS[3], 86400)
return table.concat(out)
`;

/**
 * Turns staged conversations into pending ones, or drops rejected ones.
 * KEYS: 1 batch hash. ARGV: 1 conversation key prefix, 2 run id, 3 retention s,
 * 4 discard flag ('1' = drop all, for dry runs and --strict), then conversation ids.
 * Returns a flat list of [conversationId, code, turns]: A accepted, R rejected, X valid but
 * discarded.
 */
export const COMMIT_STAGED = `${LUA_COMMON}
local pfx, run, ttl, discard = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
local out = {}
for a = 5, #ARGV do
  local c = ARGV[a]
  local key = pfx .. c
  local f = redis.call('HMGET', key, 'run', 'bad', 'n')
  if f[1] == run then
    local n = tonumber(f[3])
    if discard then
      redis.call('DEL', key)
      out[#out + 1] = c; out[#out + 1] = f[2] and 'R' or 'X'; out[#out + 1] = n
    elseif f[2] then
      redis.call('DEL', key)
      out[#out + 1] = c; out[#out + 1] = 'R'; out[#out + 1] = n
    else
      redis.call('HDEL', key, 'run')
      redis.call('HSET', key, 's', 'pending', 'k', 1)
      for j = 1, n do redis.call('HSET', key, 's' .. j, 'pending') end
      redis.call('EXPIRE', key, ttl)
      bump(KEYS[1], 'c:pending', 1)
      bump(KEYS[1], 'c:total', 1)
      bump(KEYS[1], 't:pending', n)
      bump(KEYS[1], 't:total', n)
      out[#out + 1] = c; out[#out + 1] = 'A'; out[#out + 1] = n
    end
  end
end
if not discard then redis.call('HDEL', KEYS[1], 'finishedAt') end
return out
`;

/**
 * Moves up to ARGV[2] staged turn entries to the batch's order list, dropping entries of
 * conversations that were rejected. KEYS: 1 staging order list, 2 batch order list.
 * ARGV: 1 conversation key prefix, 2 count, 3 retention s. Returns how many are left.
 */
export const COMMIT_ORDER = `
local entries = redis.call('LPOP', KEYS[1], tonumber(ARGV[2]))
if entries then
  local keep = {}
  for _, e in ipairs(entries) do
    local c = string.match(e, '^(.*)\\31')
    if redis.call('EXISTS', ARGV[1] .. c) == 1 then keep[#keep + 1] = e end
  end
  if #keep > 0 then
    redis.call('RPUSH', KEYS[2], unpack(keep))
    redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
  end
end
return redis.call('LLEN', KEYS[1])
`;

/**
 * The light staging of rows that are whole conversations (a file without `conversation_id`):
 * each row is written as a conversation without a state (invisible to workers) and listed in
 * input order; SETTLE_STANDALONE later makes them pending, or discards them.
 * KEYS: 1 this run's list of staged standalone conversations, 2 this run's liveness key.
 * ARGV: 1 conversation key prefix, 2 run id, 3 staging key prefix, then 7 per row:
 * conversationId, line, input, agentId, previousChatId, timezone, variables JSON.
 * Returns one code per row: S staged, D the batch has this conversation already.
 */
export const STAGE_STANDALONE = `
local pfx, run, stagingPfx = ARGV[1], ARGV[2], ARGV[3]
redis.call('SET', KEYS[2], '1', 'EX', 300)
local out = {}
local staged = {}
for a = 4, #ARGV, 7 do
  local c = ARGV[a]
  local key = pfx .. c
  local f = redis.call('HMGET', key, 's', 'run')
  if f[1] or (f[2] and redis.call('EXISTS', stagingPfx .. f[2] .. ':alive') == 1) then
    out[#out + 1] = 'D'
  else
    -- New, or left over by an ingest run that died (never enqueued): stage it afresh.
    redis.call('HSET', key, 'run', run, 'n', 1, 'ag', ARGV[a + 3], 'p', ARGV[a + 4],
      'z', ARGV[a + 5], 'v', ARGV[a + 6], 'i1', ARGV[a + 2], 'l1', ARGV[a + 1])
    redis.call('EXPIRE', key, 86400)
    staged[#staged + 1] = c
    out[#out + 1] = 'S'
  end
end
if #staged > 0 then
  redis.call('RPUSH', KEYS[1], unpack(staged))
  redis.call('EXPIRE', KEYS[1], 86400)
end
return table.concat(out)
`;

/**
 * Makes up to ARGV[3] staged standalone conversations pending (appending them to the batch's
 * input order and counters), or deletes them when discarding.
 * KEYS: 1 this run's list of staged standalone conversations, 2 batch hash, 3 batch order list.
 * ARGV: 1 conversation key prefix, 2 run id, 3 count, 4 retention s, 5 discard flag.
 * Returns the ids of the conversations made pending (none when discarding); an empty reply
 * with the list empty means done: the caller stops when LLEN is 0.
 */
export const SETTLE_STANDALONE = `
local pfx, run, ttl, discard = ARGV[1], ARGV[2], tonumber(ARGV[4]), ARGV[5] == '1'
local ids = redis.call('LPOP', KEYS[1], tonumber(ARGV[3]))
if not ids then return {} end
local accepted = {}
local order = {}
for _, c in ipairs(ids) do
  local key = pfx .. c
  if redis.call('HGET', key, 'run') == run then
    if discard then
      redis.call('DEL', key)
    else
      redis.call('HDEL', key, 'run')
      redis.call('HSET', key, 's', 'pending', 'k', 1, 's1', 'pending')
      redis.call('EXPIRE', key, ttl)
      accepted[#accepted + 1] = c
      order[#order + 1] = c .. '\\31' .. '1'
    end
  end
end
local n = #accepted
if n > 0 then
  redis.call('RPUSH', KEYS[3], unpack(order))
  redis.call('EXPIRE', KEYS[3], ttl)
  redis.call('HINCRBY', KEYS[2], 'c:pending', n)
  redis.call('HINCRBY', KEYS[2], 'c:total', n)
  redis.call('HINCRBY', KEYS[2], 't:pending', n)
  redis.call('HINCRBY', KEYS[2], 't:total', n)
  redis.call('HDEL', KEYS[2], 'finishedAt')
end
return accepted
`;
