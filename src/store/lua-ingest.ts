import { LUA_COMMON } from './lua-common.js';
import { STAGING_ALIVE_SECONDS } from './ttls.js';

/**
 * Ingest stages a file's rows in Redis before anything is enqueued, so a conversation whose
 * later row is invalid can still be rejected whole without holding the file in memory. A staged
 * conversation is a conversation hash without a state (`s`): invisible to workers, results and
 * control, and owned by its ingest run (`run`). Committing gives it a state and writes its turns
 * into the batch's input order in the same script, so a conversation is either wholly visible
 * (counted, in the order, cancellable, found by the watchdog) or not there at all.
 *
 * Per staged turn j the hash also keeps `q<j>`: the row's place in the input, which becomes its
 * score in the order (see COMMIT_HELPERS).
 */

/**
 * What committing a staged conversation needs, for COMMIT_STAGED and SETTLE_STANDALONE.
 * The score of a turn in the batch's order (a sorted set): the ingest run's sequence number in
 * the batch times 2^32 plus the row's place in that run's input. Results then come out in input
 * order, run after run, and the score stays an exact integer (runs < 2^21). Written with
 * `%.0f`: Lua's tostring would round it to 14 digits.
 */
const COMMIT_HELPERS = `
local function orderScore(runBase, q)
  return string.format('%.0f', runBase + tonumber(q))
end
-- What the first turn's job carries for the worker's fast path (see the turn processor): the
-- request, so the first delivery needs no begin step. None for a conversation with a recipient:
-- the contact rules must be checked by the begin step.
-- The fields it needs, for callers that read them with others in one HMGET.
local PAYLOAD_FIELDS = {'rc', 'ag', 'i1', 'v', 'p', 'z'}
-- From their values (f[from] is 'rc', then the others in PAYLOAD_FIELDS' order).
local function payloadOf(f, from)
  if f[from] then return '' end
  local payload = { a = f[from + 1], i = f[from + 2] }
  if f[from + 3] and f[from + 3] ~= '' then payload.v = f[from + 3] end
  if f[from + 4] and f[from + 4] ~= '' then payload.p = f[from + 4] end
  if f[from + 5] and f[from + 5] ~= '' then payload.z = f[from + 5] end
  return cjson.encode(payload)
end
`;

/**
 * KEYS: 1 staging list (conversations, first-seen order), 2 duplicates set, 3 this run's liveness
 * key, 4 the index of ingest runs.
 * ARGV: 1 conversation key prefix, 2 run id, 3 staging key prefix, 4 staging TTL s, 5 most turns
 * per conversation, 6 batch id, then 10 per row: conversationId, line, input, agentId,
 * previousChatId, timezone, variables JSON, bad flag, place in the input, recipient id.
 * Returns one code per row: S new conversation, s next turn, D first row of a conversation that
 * exists already, d its later rows, A agent differs from the first row, P a previous_chat_id on
 * a later row, G the conversation's first row has no agent, T one turn too many, R a recipient
 * that differs from the first row's.
 */
export const STAGE_ROWS = `
local pfx, run, stagingPfx, stagingTtl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local maxTurns = tonumber(ARGV[5])
redis.call('SET', KEYS[3], '1', 'EX', ${STAGING_ALIVE_SECONDS})
redis.call('HSETNX', KEYS[4], run, ARGV[6])
local out = {}
local function stageNew(key, c, a)
  redis.call('HSET', key, 'run', run, 'n', 1, 'ag', ARGV[a + 3], 'p', ARGV[a + 4],
    'z', ARGV[a + 5], 'v', ARGV[a + 6], 'i1', ARGV[a + 2], 'l1', ARGV[a + 1], 'q1', ARGV[a + 8])
  if ARGV[a + 9] ~= '' then redis.call('HSET', key, 'rc', ARGV[a + 9]) end
  redis.call('EXPIRE', key, stagingTtl)
  redis.call('RPUSH', KEYS[1], c)
  if ARGV[a + 7] == '1' then
    redis.call('HSET', key, 'bad', 1)
  elseif ARGV[a + 3] == '' then
    -- Later rows may leave agent_id empty (they inherit it); the first row may not.
    redis.call('HSET', key, 'bad', 1)
    return 'G'
  end
  return 'S'
end
for a = 7, #ARGV, 10 do
  local c = ARGV[a]
  local key = pfx .. c
  local owner = redis.call('HGET', key, 'run')
  local code
  if owner == run then
    local n = redis.call('HINCRBY', key, 'n', 1)
    redis.call('HSET', key, 'i' .. n, ARGV[a + 2], 'l' .. n, ARGV[a + 1], 'q' .. n, ARGV[a + 8])
    if ARGV[a + 6] ~= '' then redis.call('HSET', key, 'v' .. n, ARGV[a + 6]) end
    code = 's'
    if ARGV[a + 7] == '1' then redis.call('HSET', key, 'bad', 1) end
    local agent = ARGV[a + 3]
    if n > maxTurns then
      redis.call('HSET', key, 'bad', 1)
      code = 'T'
    elseif agent ~= '' and agent ~= redis.call('HGET', key, 'ag') then
      redis.call('HSET', key, 'bad', 1)
      code = 'A'
    elseif ARGV[a + 4] ~= '' then
      redis.call('HSET', key, 'bad', 1)
      code = 'P'
    elseif ARGV[a + 9] ~= '' and ARGV[a + 9] ~= redis.call('HGET', key, 'rc') then
      redis.call('HSET', key, 'bad', 1)
      code = 'R'
    end
  elseif owner and redis.call('EXISTS', stagingPfx .. owner .. ':alive') == 0 then
    -- Left over by an ingest run that died: it was never committed, so start it afresh.
    redis.call('DEL', key)
    code = stageNew(key, c, a)
  elseif redis.call('EXISTS', key) == 1 then
    code = (redis.call('SADD', KEYS[2], c) == 1) and 'D' or 'd'
  else
    code = stageNew(key, c, a)
  end
  out[#out + 1] = code
end
redis.call('EXPIRE', KEYS[1], stagingTtl)
redis.call('EXPIRE', KEYS[2], stagingTtl)
return table.concat(out)
`;

/**
 * Takes the next ARGV[6] staged conversations off the staging list and turns them into pending
 * ones, with their turns in the batch's order, or drops them (rejected, or the run discards: dry
 * runs, --strict, a failed ingest). All in one script: a conversation is never off the staging
 * list without being committed or dropped.
 * KEYS: 1 batch hash, 2 batch order (sorted set), 3 staging list.
 * ARGV: 1 conversation key prefix, 2 run id, 3 retention s, 4 discard flag ('1' = drop all),
 * 5 this run's order base (run sequence × 2^32), 6 count.
 * Returns a flat list of [conversationId, code, turns, first-turn payload]: A accepted, R
 * rejected, X valid but discarded; the payload ('' but for accepted conversations without a
 * recipient) is the JSON the first turn's job carries. Empty when the staging list is.
 */
export const COMMIT_STAGED = `${LUA_COMMON}${COMMIT_HELPERS}
local pfx, run, ttl, discard = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
local runBase = tonumber(ARGV[5])
local out = {}
local accepted = 0
local ids = redis.call('LPOP', KEYS[3], tonumber(ARGV[6]))
if not ids then return out end
for _, c in ipairs(ids) do
  local key = pfx .. c
  -- One read: the staging marks and what the first turn's job carries.
  local f = redis.call('HMGET', key, 'run', 'bad', 'n', unpack(PAYLOAD_FIELDS))
  if f[1] == run then
    local n = tonumber(f[3])
    if discard then
      redis.call('DEL', key)
      out[#out + 1] = c; out[#out + 1] = f[2] and 'R' or 'X'; out[#out + 1] = n; out[#out + 1] = ''
    elseif f[2] then
      redis.call('DEL', key)
      out[#out + 1] = c; out[#out + 1] = 'R'; out[#out + 1] = n; out[#out + 1] = ''
    else
      local scores = redis.call('HMGET', key, unpack(turnFields('q', n)))
      local entries = {}
      for j = 1, n do
        entries[#entries + 1] = orderScore(runBase, scores[j])
        entries[#entries + 1] = c .. '\\31' .. j
      end
      redis.call('ZADD', KEYS[2], unpack(entries))
      redis.call('HDEL', key, 'run', unpack(turnFields('q', n)))
      local states = {'s', 'pending', 'k', 1}
      for j = 1, n do
        states[#states + 1] = 's' .. j
        states[#states + 1] = 'pending'
      end
      redis.call('HSET', key, unpack(states))
      redis.call('EXPIRE', key, ttl)
      bump(KEYS[1], 'c:pending', 1)
      bump(KEYS[1], 'c:total', 1)
      bump(KEYS[1], 't:pending', n)
      bump(KEYS[1], 't:total', n)
      accepted = accepted + 1
      out[#out + 1] = c; out[#out + 1] = 'A'; out[#out + 1] = n
      out[#out + 1] = payloadOf(f, 4)
    end
  end
end
if accepted > 0 then
  -- Something to send again: a finished batch is unfinished once more.
  redis.call('HDEL', KEYS[1], 'finishedAt')
  redis.call('EXPIRE', KEYS[2], ttl)
end
return out
`;

/**
 * The light staging of rows that are whole conversations (a file without `conversation_id`):
 * each row is written as a conversation without a state (invisible to workers) and listed in
 * input order; SETTLE_STANDALONE later makes them pending, or discards them.
 * KEYS: 1 this run's list of staged standalone conversations, 2 this run's liveness key, 3 the
 * index of ingest runs.
 * ARGV: 1 conversation key prefix, 2 run id, 3 staging key prefix, 4 staging TTL s, 5 batch id,
 * then 9 per row: conversationId, line, input, agentId, previousChatId, timezone, variables
 * JSON, place in the input, recipient id.
 * Returns one code per row: S staged, D the batch has this conversation already.
 */
export const STAGE_STANDALONE = `
local pfx, run, stagingPfx, stagingTtl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
redis.call('SET', KEYS[2], '1', 'EX', ${STAGING_ALIVE_SECONDS})
redis.call('HSETNX', KEYS[3], run, ARGV[5])
local out = {}
local staged = {}
for a = 6, #ARGV, 9 do
  local c = ARGV[a]
  local key = pfx .. c
  local f = redis.call('HMGET', key, 's', 'run')
  if f[1] or (f[2] and redis.call('EXISTS', stagingPfx .. f[2] .. ':alive') == 1) then
    out[#out + 1] = 'D'
  else
    -- New, or left over by an ingest run that died (never committed): stage it afresh.
    redis.call('HSET', key, 'run', run, 'n', 1, 'ag', ARGV[a + 3], 'p', ARGV[a + 4],
      'z', ARGV[a + 5], 'v', ARGV[a + 6], 'i1', ARGV[a + 2], 'l1', ARGV[a + 1], 'q1', ARGV[a + 7])
    if ARGV[a + 8] ~= '' then redis.call('HSET', key, 'rc', ARGV[a + 8]) end
    redis.call('EXPIRE', key, stagingTtl)
    staged[#staged + 1] = c
    out[#out + 1] = 'S'
  end
end
if #staged > 0 then
  redis.call('RPUSH', KEYS[1], unpack(staged))
  redis.call('EXPIRE', KEYS[1], stagingTtl)
end
return table.concat(out)
`;

/**
 * Makes up to ARGV[3] staged standalone conversations pending (adding them to the batch's input
 * order and counters in the same step), or deletes them when discarding.
 * KEYS: 1 this run's list of staged standalone conversations, 2 batch hash, 3 batch order.
 * ARGV: 1 conversation key prefix, 2 run id, 3 count, 4 retention s, 5 discard flag, 6 this
 * run's order base.
 * Returns a flat list of [conversationId, first-turn payload] of the conversations made pending
 * (none when discarding; see payloadOf); an empty reply with the list empty means done:
 * the caller stops when LLEN is 0.
 */
export const SETTLE_STANDALONE = `${COMMIT_HELPERS}
local pfx, run, ttl, discard = ARGV[1], ARGV[2], tonumber(ARGV[4]), ARGV[5] == '1'
local runBase = tonumber(ARGV[6])
local ids = redis.call('LPOP', KEYS[1], tonumber(ARGV[3]))
if not ids then return {} end
local accepted = {}
local order = {}
for _, c in ipairs(ids) do
  local key = pfx .. c
  -- One read: the staging marks and what the first turn's job carries.
  local f = redis.call('HMGET', key, 'run', 'q1', unpack(PAYLOAD_FIELDS))
  if f[1] == run then
    if discard then
      redis.call('DEL', key)
    else
      redis.call('HDEL', key, 'run', 'q1')
      redis.call('HSET', key, 's', 'pending', 'k', 1, 's1', 'pending')
      redis.call('EXPIRE', key, ttl)
      accepted[#accepted + 1] = c
      accepted[#accepted + 1] = payloadOf(f, 3)
      order[#order + 1] = orderScore(runBase, f[2])
      order[#order + 1] = c .. '\\31' .. '1'
    end
  end
end
local n = #accepted / 2
if n > 0 then
  redis.call('ZADD', KEYS[3], unpack(order))
  redis.call('EXPIRE', KEYS[3], ttl)
  redis.call('HINCRBY', KEYS[2], 'c:pending', n)
  redis.call('HINCRBY', KEYS[2], 'c:total', n)
  redis.call('HINCRBY', KEYS[2], 't:pending', n)
  redis.call('HINCRBY', KEYS[2], 't:total', n)
  redis.call('HDEL', KEYS[2], 'finishedAt')
end
return accepted
`;

/**
 * Deletes what an ingest run left staged: its staged conversations (only those it still owns),
 * its lists and its liveness key, and drops it from the index of runs. Used when an ingest fails
 * (at once, so customer text is not kept) and by the watchdog for runs that died.
 * KEYS: 1 staging list, 2 standalone list, 3 duplicates set, 4 liveness key, 5 index of runs.
 * ARGV: 1 conversation key prefix, 2 run id, 3 most conversations to delete in this call.
 * Returns how many staged entries are left (call again until 0).
 */
export const DROP_STAGING = `
local pfx, run, budget = ARGV[1], ARGV[2], tonumber(ARGV[3])
for _, list in ipairs({KEYS[1], KEYS[2]}) do
  local ids = redis.call('LPOP', list, budget)
  if ids then
    for _, c in ipairs(ids) do
      local key = pfx .. c
      if redis.call('HGET', key, 'run') == run then redis.call('DEL', key) end
    end
    budget = budget - #ids
  end
  if budget <= 0 then break end
end
local left = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])
if left == 0 then
  redis.call('DEL', KEYS[3], KEYS[4])
  redis.call('HDEL', KEYS[5], run)
end
return left
`;
