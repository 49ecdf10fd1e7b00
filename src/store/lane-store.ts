import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import type { LaneTagger } from '../shared/turn-queue.js';
import { storeScripts } from './scripts.js';

/** A batch's lane: `high` goes before `normal`, which goes before `low` (see lua-lanes.ts). */
export type Priority = 'high' | 'normal' | 'low';
export const PRIORITIES: readonly Priority[] = ['high', 'normal', 'low'];

/** A bigger weight is a bigger share of the lane: weight 3 gets three times a weight-1 batch. */
export const MAX_WEIGHT = 100;

/** The fair lanes' tagger (see lua-lanes.ts) over a connection. */
export function createLaneTagger(deps: { redis: Redis; keys: Keys }): LaneTagger {
  const run = storeScripts(deps.redis);
  return async (batchId, count) => {
    const reply = (await run('cbTakeLaneTags', [
      deps.keys.batch(batchId),
      deps.keys.turnsPrioritized,
      deps.keys.lanes,
      count,
    ])) as (string | number)[];
    const [start, step, base, last] = reply.slice(0, 4).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    const priorities: number[] = [];
    for (let i = 1; i <= count; i++) {
      priorities.push(Math.min(last, base + Math.floor(start + i * step)));
    }
    return { lane: String(reply[4]), priorities };
  };
}
