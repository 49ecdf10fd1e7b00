import { WEBHOOK_OUTBOX_SUFFIX } from '../shared/keys.js';

/**
 * Webhook events, written by the store scripts themselves: an event goes to the outbox list in
 * the same script (so the same atomic step) as the state change it reports, so no crash can
 * lose it or report a change that did not happen. Only batches whose hash has a `webhookUrl`
 * get events; `conversation.finished` only when `webhookEvents` names it. A worker's relay
 * (src/webhooks/relay.ts) moves the outbox into the webhook queue.
 *
 * Included by LUA_COMMON. The emission points call:
 * - `emitBatchEvent(bkey, type, now, reasonJson?)`: batch.completed (finishedAt newly set);
 * - `emitStateChange(bkey, newState, now, reasonJson?)`: batch.cancelled / batch.paused;
 * - `emitClosed(bkey, ckey, cid, state, now)`: a conversation reached a final state (and, for
 *   `expired`, the batch's one batch.expired).
 * Scripts that defer their counter moves (BEGIN_TURNS, RECORD_TURNS) also defer events, so a
 * batch event's status snapshot has the counters landed; applyCounts() flushes them.
 *
 * Event ids: `msg_` + a hash of the batch key, its createdAt and a per-batch sequence bumped
 * in the same script. Every emission point is guarded by its state change (HSETNX finishedAt,
 * a state compare-and-set, a conversation still pending or active), so a replayed script
 * changes nothing and emits nothing; a batch re-created after its retention gets new ids.
 *
 * An outbox entry (JSON): {id, type, at (ms), url, bkey} plus, for batch events, `batch` (the
 * batch hash) and `reason` (JSON text); for conversation events `cid`, `state`, `turn` (k) and
 * `fields` (the hash fields of turn k's record). src/webhooks/events.ts turns it into a body.
 */
export const LUA_EVENTS = `
local pendingEvents = {}
local webhooks = {}
local function webhookOf(bkey)
  local hook = webhooks[bkey]
  if hook == nil then
    local f = redis.call('HMGET', bkey, 'webhookUrl', 'webhookEvents')
    hook = { url = f[1], events = ',' .. (f[2] or '') .. ',' }
    webhooks[bkey] = hook
  end
  return hook
end
local function writeEvent(e)
  local bkey = e.bkey
  local created = redis.call('HGET', bkey, 'createdAt') or ''
  local seq = redis.call('HINCRBY', bkey, 'wh:seq', 1)
  local entry = { type = e.type, at = tostring(e.now), url = webhookOf(bkey).url, bkey = bkey,
    id = 'msg_' .. string.sub(redis.sha1hex(bkey .. '\\0' .. created .. '\\0' .. seq), 1, 32) }
  if e.ckey then
    local k = tonumber(redis.call('HGET', e.ckey, 'k')) or 1
    local names = {'ag', 'p', 'i' .. k, 'l' .. k, 's' .. k, 'a' .. k, 'c' .. k, 'r' .. k, 'e' .. k}
    if k > 1 then names[#names + 1] = 'c' .. (k - 1) end
    local values = redis.call('HMGET', e.ckey, unpack(names))
    local fields = {}
    for i, name in ipairs(names) do
      if values[i] then fields[name] = values[i] end
    end
    entry.cid = e.cid
    entry.state = e.state
    entry.turn = k
    entry.fields = fields
  else
    local flat = redis.call('HGETALL', bkey)
    local hash = {}
    for i = 1, #flat, 2 do hash[flat[i]] = flat[i + 1] end
    entry.batch = hash
    if e.reason and e.reason ~= '' then entry.reason = e.reason end
  end
  redis.call('RPUSH', string.match(bkey, '^{[^}]*}') .. '${WEBHOOK_OUTBOX_SUFFIX}', cjson.encode(entry))
end
local function queueEvent(e)
  if deferCounts then pendingEvents[#pendingEvents + 1] = e else writeEvent(e) end
end
local function flushEvents()
  for _, e in ipairs(pendingEvents) do writeEvent(e) end
  pendingEvents = {}
end
local function emitBatchEvent(bkey, eventType, now, reason)
  if webhookOf(bkey).url then
    queueEvent({ bkey = bkey, type = eventType, now = now, reason = reason })
  end
end
local function emitStateChange(bkey, state, now, reason)
  if state == 'cancelled' then
    emitBatchEvent(bkey, 'batch.cancelled', now)
  elseif state == 'paused' then
    emitBatchEvent(bkey, 'batch.paused', now, reason)
  end
end
local function emitClosed(bkey, ckey, cid, state, now)
  local hook = webhookOf(bkey)
  if not hook.url then return end
  if state == 'expired' and redis.call('HSETNX', bkey, 'expiredAt', now) == 1 then
    queueEvent({ bkey = bkey, type = 'batch.expired', now = now })
  end
  if string.find(hook.events, ',conversation.finished,', 1, true) then
    queueEvent({ bkey = bkey, type = 'conversation.finished', now = now, ckey = ckey, cid = cid,
      state = state })
  end
end
`;
