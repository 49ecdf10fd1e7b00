import { Redis, type RedisOptions } from 'ioredis';

/**
 * Two kinds of Redis connection. Workers block on BullMQ commands and must wait out a Redis
 * restart (`maxRetriesPerRequest: null`); producers (CLI, API) must fail fast instead of
 * queueing commands while Redis is away, so a request never hangs.
 */
export type ConnectionRole = 'worker' | 'producer';

export function redisOptions(role: ConnectionRole): RedisOptions {
  return role === 'worker'
    ? { maxRetriesPerRequest: null, enableReadyCheck: true }
    : {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectTimeout: 3000,
        // Keep retrying in the background (the API outlives a Redis restart), but slowly.
        retryStrategy: (times) => Math.min(times * 200, 2000),
      };
}

export function createRedis(url: string, role: ConnectionRole): Redis {
  return new Redis(url, { ...redisOptions(role), lazyConnect: true });
}

/** Connects, or throws a clear error naming the URL without its password. */
export async function connectRedis(redis: Redis, url: string, timeoutMs = 3000): Promise<void> {
  const timer = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`Redis at ${safeRedisUrl(url)} did not answer in ${timeoutMs} ms`)),
      timeoutMs,
    ).unref(),
  );
  try {
    if (redis.status === 'wait') await Promise.race([redis.connect(), timer]);
    await Promise.race([redis.ping(), timer]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot reach Redis at ${safeRedisUrl(url)}: ${reason}`);
  }
}

/** The URL with any password replaced, for messages and logs. */
export function safeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}
