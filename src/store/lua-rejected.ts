/**
 * Adds one ingest's rejected rows to its batch's record of them (`keys.rejected`), a hash:
 * - `r<position>\u001f<conversation id>` → the row as JSON (`{line, index?, conversationId,
 *   errors}`, never the input text); the same row rejected again (a re-run of the same file)
 *   overwrites itself instead of counting twice;
 * - `o<message>` → rows not kept, counted by error message (`m` distinct ones at most, the
 *   rest under ARGV[5]);
 * - `n` rows kept, `m` distinct messages counted, `x` rows not kept.
 * Rows are kept up to ARGV[1]; past that only their errors are counted.
 *
 * KEYS: 1 the hash. ARGV: 1 most rows kept, 2 most messages counted, 3 retention s,
 * 4 number of rows R, 5 the message for "other errors", then R × (field, row JSON), then the
 * count of rows this ingest did not keep itself, then (message, count) pairs for them.
 */
export const SAVE_REJECTED = `
local key = KEYS[1]
local maxRows = tonumber(ARGV[1])
local maxMessages = tonumber(ARGV[2])
local rows = tonumber(ARGV[4])
local other = ARGV[5]
local state = redis.call('HMGET', key, 'n', 'm')
local n = tonumber(state[1]) or 0
local m = tonumber(state[2]) or 0
local x = 0
local function count(message, by)
  local field = 'o' .. message
  if redis.call('HEXISTS', key, field) == 0 and message ~= other then
    if m >= maxMessages then field = 'o' .. other else m = m + 1 end
  end
  redis.call('HINCRBY', key, field, by)
end
local i = 6
for _ = 1, rows do
  local field = 'r' .. ARGV[i]
  if redis.call('HEXISTS', key, field) == 1 or n < maxRows then
    if redis.call('HSET', key, field, ARGV[i + 1]) == 1 then n = n + 1 end
  else
    for _, message in ipairs(cjson.decode(ARGV[i + 1]).errors) do count(message, 1) end
    x = x + 1
  end
  i = i + 2
end
x = x + tonumber(ARGV[i])
i = i + 1
while i < #ARGV do
  count(ARGV[i], tonumber(ARGV[i + 1]))
  i = i + 2
end
redis.call('HSET', key, 'n', n, 'm', m)
if x > 0 then redis.call('HINCRBY', key, 'x', x) end
redis.call('EXPIRE', key, tonumber(ARGV[3]))
return n
`;
