import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import type { SendWindow } from '../shared/send-window.js';

/** What the worker's fast path needs to know of a batch (see BatchGate). */
export interface BatchGateView {
  /** `running`, `scheduled`, `paused`, `cancelled`; undefined when the batch is gone. */
  state: string | undefined;
  scheduledAt: number | undefined;
  expireAt: number | undefined;
  window: SendWindow | undefined;
}

/**
 * A worker's view of its batches' control settings, read at most once per `ttlMs` per batch, so
 * the fast path costs no Redis call per turn. Only ever used to decide whether a turn may skip
 * the begin step: the begin step itself reads the store. A pause or a cancel therefore reaches
 * the fast path within `ttlMs`; the turns it lets through meanwhile are sent as in-flight turns
 * are (their replies are kept).
 */
export interface BatchGate {
  view(batchId: string): Promise<BatchGateView>;
}

export function createBatchGate(deps: {
  redis: Redis;
  keys: Keys;
  now: () => number;
  /** How long a view is reused, in ms. Default 1000. */
  ttlMs?: number;
}): BatchGate {
  const ttlMs = deps.ttlMs ?? 1000;
  const cache = new Map<string, { at: number; view: Promise<BatchGateView> }>();

  async function read(batchId: string): Promise<BatchGateView> {
    const [state, scheduledAt, expireAt, window] = await deps.redis.hmget(
      deps.keys.batch(batchId),
      'state',
      'scheduledAt',
      'expireAt',
      'window',
    );
    return {
      state: state ?? undefined,
      scheduledAt: scheduledAt ? Number(scheduledAt) : undefined,
      expireAt: expireAt ? Number(expireAt) : undefined,
      window: window ? (JSON.parse(window) as SendWindow) : undefined,
    };
  }

  return {
    view(batchId) {
      const now = deps.now();
      const cached = cache.get(batchId);
      if (cached && now - cached.at < ttlMs) return cached.view;
      // One read for every caller of this batch until it is stale; a failed read is not kept.
      const view = read(batchId);
      view.catch(() => cache.delete(batchId));
      cache.set(batchId, { at: now, view });
      if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
      return view;
    },
  };
}
