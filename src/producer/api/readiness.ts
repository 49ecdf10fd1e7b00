import type { Redis } from 'ioredis';
import { redisRefusal } from '../../shared/redis-refusal.js';
import { ApiError, redisRefused, redisUnavailable } from './errors.js';

/** /readyz answers within this, Redis or not, in ms (a probe must not hang). */
const READY_TIMEOUT_MS = 1000;

export interface ReadinessProbe {
  /** Undefined when ready; else the error to answer (503, or 507 when Redis is full). */
  check(): Promise<ApiError | undefined>;
}

/**
 * Readiness is "Redis answers AND accepts writes": a full (OOM) or read-only Redis answers PING
 * but fails every submission. So besides the PING, a tiny key with a short TTL is written, at
 * most once per `writeEveryMs` whatever the probe rate (the verdict is kept in between).
 */
export function createReadinessProbe(deps: {
  redis: Redis;
  /** The probe key (`keys.readyProbe`). */
  key: string;
  /** Least time between two write probes, in ms. Default 1000. */
  writeEveryMs?: number;
  now?: () => number;
}): ReadinessProbe {
  const { redis, key } = deps;
  const writeEveryMs = deps.writeEveryMs ?? 1000;
  const now = deps.now ?? Date.now;
  let lastWrite = { at: -Infinity, verdict: undefined as ApiError | undefined };

  async function withTimeout<T>(work: Promise<T>): Promise<T | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function writeProbe(): Promise<ApiError | undefined> {
    try {
      const reply = await withTimeout(redis.set(key, String(now()), 'PX', 10_000));
      return reply === 'timeout' ? redisUnavailable() : undefined;
    } catch (error) {
      const refusal = redisRefusal(error);
      return refusal ? redisRefused(refusal) : redisUnavailable();
    }
  }

  return {
    async check() {
      if (redis.status !== 'ready') return redisUnavailable();
      try {
        if ((await withTimeout(redis.ping())) === 'timeout') return redisUnavailable();
      } catch {
        return redisUnavailable();
      }
      if (now() - lastWrite.at >= writeEveryMs) {
        lastWrite = { at: now(), verdict: await writeProbe() };
      }
      return lastWrite.verdict;
    },
  };
}
