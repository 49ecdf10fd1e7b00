/**
 * The contact rules, checked by BEGIN_TURNS in the same script that would start the attempt,
 * so no two workers (or batches) can both pass a rule that only one may pass:
 * - the suppression list (`keys.suppressions`): a recipient on it gets nothing more, even in a
 *   conversation already running;
 * - opt-out words: a turn whose whole input is one (normalised as shared/opt-out.ts does) is not
 *   sent; its recipient goes on the list (source `opt-out`) and the conversation ends;
 * - the batch's frequency cap: at most N conversations started per recipient in a sliding
 *   window, counted across every batch in a sorted set per recipient (`contactsPrefix` + id,
 *   member the conversation key, score its start).
 * A conversation stopped by a rule is finished (`suppressed`), its unsent turns `suppressed`
 * with an error whose code says which rule.
 */
import { MAX_CAP_PERIOD_MS } from '../shared/frequency-cap.js';
import { OPT_OUT_MAX_INPUT } from '../shared/opt-out.js';

export const LUA_RULES = `
local MAX_CAP_PERIOD_MS = ${MAX_CAP_PERIOD_MS}
-- Closes the conversation from turn k on as suppressed; returns how many turns it closed.
local function suppressFrom(ckey, bkey, cid, s, k, n, code, message, now)
  local err = cjson.encode({code = code, httpStatus = cjson.null, message = message})
  local moved = 0
  for j = k, n do
    if redis.call('HGET', ckey, 's' .. j) == 'pending' then
      redis.call('HSET', ckey, 's' .. j, 'suppressed', 'e' .. j, err)
      moved = moved + 1
    end
  end
  moveCount(bkey, 't', 'pending', 'suppressed', moved)
  redis.call('HSET', ckey, 's', 'suppressed')
  redis.call('HDEL', ckey, 'lease')
  moveCount(bkey, 'c', s, 'suppressed', 1)
  checkFinished(bkey, now)
  emitClosed(bkey, ckey, cid, 'suppressed', now)
  return moved
end
-- The input as compared with the opt-out words: trimmed, inner white space as one space,
-- ASCII case-folded. Long inputs are messages, not opt-outs.
local function optOutWord(input, words)
  if #input > ${OPT_OUT_MAX_INPUT} then return nil end
  local norm = (string.lower(input):gsub('^%s+', ''):gsub('%s+$', ''):gsub('%s+', ' '))
  if words[norm] then return norm end
  return nil
end
-- Applies the rules to turn k; returns {code, message} when the turn must not be sent.
local function contactRule(ckey, bkey, s, k, n, rc, input, fcap, rules, now)
  if rc and rc ~= '' and redis.call('HEXISTS', rules.suppressions, rc) == 1 then
    return {'suppression_list', 'the recipient is on the suppression list'}
  end
  local word = optOutWord(input, rules.words)
  if word then
    if rc and rc ~= '' then
      redis.call('HSETNX', rules.suppressions, rc, cjson.encode({reason = 'opted out with "' ..
        string.upper(word) .. '"', source = 'opt-out', at = now}))
    end
    return {'opted_out', 'the recipient opted out ("' .. string.upper(word) .. '"); nothing more is sent'}
  end
  if s == 'pending' and fcap and rc and rc ~= '' then
    local cap, period = string.match(fcap, '^(%d+):(%d+)$')
    cap, period = tonumber(cap), tonumber(period)
    local zkey = rules.contacts .. rc
    if redis.call('ZCOUNT', zkey, now - period, '+inf') >= cap then
      return {'frequency_cap', 'the recipient was contacted ' .. cap ..
        ' time(s) in the frequency-cap period already'}
    end
    redis.call('ZADD', zkey, now, ckey)
    redis.call('ZREMRANGEBYSCORE', zkey, '-inf', now - MAX_CAP_PERIOD_MS)
    if redis.call('PTTL', zkey) < period then redis.call('PEXPIRE', zkey, period) end
  end
  return nil
end
`;
