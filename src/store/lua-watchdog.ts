/**
 * Finds conversations that should be moving but have no job: pending or active, not parked,
 * no attempt in flight (lease expired), and no BullMQ job for their next turn. That happens
 * only after a crash between two steps (an ingest killed between commit and enqueue, a job
 * lost with a Redis restart without AOF), or for a moment in a healthy run (between recording a
 * turn and queuing the next); the watchdog confirms over two sweeps, then queues them again.
 * It reads the batch's committed conversations: the turn-1 members of its order.
 * KEYS: 1 batch order (sorted set), 2 parked set.
 * ARGV: 1 conversation key prefix, 2 job key prefix, 3 batch id, 4 now (ms), 5 start, 6 count.
 * Returns a flat list of [conversationId, turn]; scans ARGV[6] order entries from ARGV[5].
 */
export const FIND_STUCK = `
local out = {}
local now = tonumber(ARGV[4])
local entries = redis.call('ZRANGE', KEYS[1], tonumber(ARGV[5]), tonumber(ARGV[5]) + tonumber(ARGV[6]) - 1)
for _, e in ipairs(entries) do
  local c, turn = string.match(e, '^(.*)\\31(%d+)$')
  if turn == '1' then
    local f = redis.call('HMGET', ARGV[1] .. c, 's', 'k', 'lease')
    if (f[1] == 'pending' or f[1] == 'active') and (tonumber(f[3]) or 0) < now
      and redis.call('SISMEMBER', KEYS[2], c) == 0 then
      local jobId = 't-' .. redis.sha1hex(ARGV[3] .. '\\0' .. c) .. '-' .. f[2]
      if redis.call('EXISTS', ARGV[2] .. jobId) == 0 then
        out[#out + 1] = c; out[#out + 1] = f[2]
      end
    end
  end
end
return out
`;
