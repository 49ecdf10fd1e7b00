/** What IDEMPOTENCY_SWAP does to the record once the expected value is found. */
export type SwapOp = 'set' | 'del' | 'extend';

/**
 * Compare-and-set on an `Idempotency-Key` record, so a request never overwrites another's claim.
 * KEYS: 1 the record. ARGV: 1 expected value, 2 op (set | del | extend), 3 new value (set),
 * 4 TTL in ms (set, extend). Returns 1 when the record held the expected value, else 0.
 */
export const IDEMPOTENCY_SWAP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'set' then redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
elseif ARGV[2] == 'del' then redis.call('DEL', KEYS[1])
else redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
`;
