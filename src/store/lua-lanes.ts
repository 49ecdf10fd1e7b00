/**
 * Fair lanes over BullMQ priorities. Every first turn of a conversation enters the turn queue as
 * a prioritized job whose priority is a tag (start-time fair queuing):
 *
 *   tag = max(V, the batch's last tag) + 1 / (weight × UNITS), per conversation
 *
 * where V, the lane's virtual time, is the smallest tag still waiting in the lane. BullMQ hands
 * out the smallest priority first, so batches that are queued at the same time interleave in
 * proportion to their weights, a batch that arrives during a long campaign starts next to the
 * campaign's current position instead of behind its tail, and a lane's unused share flows to the
 * others (nothing waits for an idle batch). Lanes are ranges of the priority space:
 * `high` below `normal`, so high always goes first. A `low` batch shares the normal range with
 * 1/LOW_SHARE of a normal batch's weight: it is never starved, and gets all the capacity when
 * no normal batch waits. A conversation's later turns skip the lanes altogether (LIFO in the
 * wait list, which BullMQ serves before any prioritized job), so chains stay tight.
 *
 * Tags are integers (BullMQ priorities), UNITS conversations of a weight-1 batch per unit. A
 * lane's range holds ~1.4M units ahead of V; when a lane is empty and past half its range, its
 * virtual time starts over at 0 (a new epoch: older batches' last tags no longer count).
 *
 * KEYS: 1 batch hash, 2 the turn queue's prioritized set, 3 the lanes' state hash.
 * ARGV: 1 number of conversations to tag.
 * Returns {start, step, base, last, lane} (decimals as strings): the i-th conversation (1-based)
 * of this call gets priority min(last, base + floor(start + i × step)); lane is the batch's.
 */
export const TAKE_LANE_TAGS = `
local LANES = { high = {1, 699999}, normal = {700000, 2097151} }
local UNITS = 4
local LOW_SHARE = 20
local SCORE = 4294967296
local n = tonumber(ARGV[1])
local b = redis.call('HMGET', KEYS[1], 'priority', 'weight', 'ftag', 'fepoch')
local lane = (b[1] == 'high') and 'high' or 'normal'
local base, last = LANES[lane][1], LANES[lane][2]
local step = 1 / ((tonumber(b[2]) or 1) * UNITS)
if b[1] == 'low' then step = step * LOW_SHARE end
local lowest = redis.call('ZRANGEBYSCORE', KEYS[2], string.format('%.0f', base * SCORE),
  '(' .. string.format('%.0f', (last + 1) * SCORE), 'WITHSCORES', 'LIMIT', 0, 1)
local state = redis.call('HMGET', KEYS[3], lane .. ':v', lane .. ':epoch')
local stored, epoch = tonumber(state[1]) or 0, tonumber(state[2]) or 0
local v
if lowest[2] then
  v = math.floor(tonumber(lowest[2]) / SCORE) - base
  if v > stored then redis.call('HSET', KEYS[3], lane .. ':v', v) end
else
  v = stored
  if v > (last - base) / 2 then
    epoch = epoch + 1
    v = 0
    redis.call('HSET', KEYS[3], lane .. ':v', 0, lane .. ':epoch', epoch)
  end
end
local start = v
if tonumber(b[4]) == epoch and tonumber(b[3]) and tonumber(b[3]) > start then
  start = tonumber(b[3])
end
redis.call('HSET', KEYS[1], 'ftag', string.format('%.6f', start + n * step), 'fepoch', epoch)
return {string.format('%.6f', start), string.format('%.9f', step), base, last, b[1] or 'normal'}
`;
