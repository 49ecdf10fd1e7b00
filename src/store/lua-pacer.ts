/**
 * A decrease of the fleet's pace (src/worker/pacing), as a compare-and-set: the worker read the
 * state, decided, and writes only if no other worker decreased in between (the decrease count
 * `n` is unchanged). Otherwise it gets the newer state back, so 50 concurrent 429s in a fleet
 * make one decrease.
 * KEYS: 1 the pacer hash. ARGV: 1 expected n ('' when there was no state), 2 wmax, 3 start,
 * 4 at (ms), 5 TTL of the hash (ms).
 * Returns {applied (1|0), n, wmax, start, at}: the state now stored (strings; '' when none).
 */
export const PACER_THROTTLE = `
local cur = redis.call('HMGET', KEYS[1], 'n', 'w', 's', 'at')
if (cur[1] or '') ~= ARGV[1] then
  return {0, cur[1] or '', cur[2] or '', cur[3] or '', cur[4] or ''}
end
-- A damaged count (never written so by us) restarts at 1.
local n = tostring(math.floor(tonumber(cur[1]) or 0) + 1)
redis.call('HSET', KEYS[1], 'n', n, 'w', ARGV[2], 's', ARGV[3], 'at', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, n, ARGV[2], ARGV[3], ARGV[4]}
`;
