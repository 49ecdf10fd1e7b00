import type { Redis } from 'ioredis';
import { PACER_SLOT_MS, type Keys } from '../shared/keys.js';
import { storeScripts } from './scripts.js';

/** The fleet's pacing state (see src/worker/pacing/pace-maths.ts for what each field means). */
export interface PaceState {
  /** Decreases so far: the compare-and-set token of the next one. */
  n: number;
  /** The level of the last decrease (W_max), starts/s. */
  wmax: number;
  /** The rate set by the last decrease, starts/s. */
  start: number;
  /** When the last decrease happened, epoch ms. */
  at: number;
}

/** Slots of completed-turn counts read: the last second, plus the one it starts in. */
const SLOTS_READ = 1000 / PACER_SLOT_MS + 1;

/** One read of what the pacer needs: the state and the fleet's recently completed turns. */
export interface PaceReading {
  state: PaceState | undefined;
  /**
   * The stored decrease count as written ('' when there is none): the compare-and-set token, so
   * that a damaged state (read as none) can still be replaced.
   */
  token: string;
  /**
   * Turns completed by the fleet per quarter-second slot, the reader's current slot first, then
   * the four before it (PACER_SLOT_MS).
   */
  completed: number[];
  /** The vendor's noise share a worker of the fleet learnt last, when one did (shareNoise). */
  fleetNoise: number | undefined;
}

export interface PacerStore {
  /** The state and the counters of `now`'s second and the one before: one round trip. */
  read(now: number): Promise<PaceReading>;
  /**
   * Stores `next` as the next decrease, unless another came first: `token` is the reading's.
   * Returns whether this one was stored, and the state now in Redis.
   */
  decrease(
    token: string,
    next: Omit<PaceState, 'n'>,
    ttlMs: number,
  ): Promise<{ applied: boolean; state: PaceState | undefined }>;
  /**
   * Shares the noise share this worker learnt, so that a worker started later (a restart, a
   * deploy) does not read the vendor's random 429s as a limit while it learns its own.
   */
  shareNoise(share: number, ttlMs: number): Promise<void>;
}

/** A state field as written by PACER_THROTTLE, or NaN when missing or not a number. */
const num = (value: unknown): number =>
  typeof value === 'string' && value !== '' ? Number(value) : NaN;

/**
 * The state from its stored fields, or undefined when absent or damaged (a hand edit, a
 * half-deleted key): a damaged state must not pace the fleet, so it counts as none.
 */
export function parsePaceState(fields: readonly unknown[]): PaceState | undefined {
  const [n, wmax, start, at] = fields.map(num) as [number, number, number, number];
  const valid =
    Number.isInteger(n) &&
    n >= 1 &&
    wmax > 0 &&
    start > 0 &&
    start <= wmax &&
    Number.isFinite(wmax) &&
    Number.isFinite(at);
  return valid ? { n, wmax, start, at } : undefined;
}

export function createPacerStore(deps: { redis: Redis; keys: Keys }): PacerStore {
  const { redis, keys } = deps;
  const run = storeScripts(redis);
  return {
    async read(now) {
      const slot = Math.floor(now / PACER_SLOT_MS);
      // One cluster slot (every key shares the prefix's hash tag), so a pipeline is one round
      // trip on a Redis Cluster too.
      const counters = Array.from({ length: SLOTS_READ }, (_, i) => keys.pacerAccepted(slot - i));
      const replies = await redis
        .pipeline()
        .hmget(keys.pacer, 'n', 'w', 's', 'at')
        .mget(...counters, keys.pacerNoise)
        .exec();
      const [fieldsReply, valuesReply] = (replies ?? []).map(([error, value]) => {
        if (error) throw error;
        return value;
      });
      const fields = (fieldsReply as unknown[] | undefined) ?? [];
      const values = (valuesReply as (string | null)[] | undefined) ?? [];
      const noise = num(values[SLOTS_READ]);
      return {
        state: parsePaceState(fields),
        token: typeof fields[0] === 'string' ? fields[0] : '',
        completed: values.slice(0, SLOTS_READ).map((v) => Number(v ?? 0) || 0),
        fleetNoise: noise >= 0 && noise < 1 ? noise : undefined,
      };
    },
    async decrease(token, next, ttlMs) {
      if (![next.wmax, next.start, next.at].every(Number.isFinite)) {
        throw new RangeError(`pacer: refusing a non-finite state ${JSON.stringify(next)}`);
      }
      const reply = (await run('cbPacerThrottle', [
        keys.pacer,
        token,
        String(next.wmax),
        String(next.start),
        String(Math.round(next.at)),
        Math.max(1, Math.round(ttlMs)),
      ])) as (string | number)[];
      return {
        applied: Number(reply[0]) === 1,
        state: parsePaceState(reply.slice(1).map(String)),
      };
    },
    async shareNoise(share, ttlMs) {
      if (!(share >= 0 && share < 1))
        throw new RangeError(`pacer: refusing a noise share ${share}`);
      await redis.set(keys.pacerNoise, share.toFixed(4), 'PX', Math.max(1, Math.round(ttlMs)));
    },
  };
}
