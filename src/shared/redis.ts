import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import {
  isClusterUrl,
  isSentinelUrl,
  parseClusterUrl,
  parseSentinelUrl,
  safeRedisUrl,
  type ClusterUrl,
  type SentinelUrl,
} from './redis-url.js';

export { safeRedisUrl } from './redis-url.js';

/**
 * Two kinds of Redis connection. Workers block on BullMQ commands and must wait out a Redis
 * restart (`maxRetriesPerRequest: null`); producers (CLI, API) must fail fast instead of
 * queueing commands while Redis is away, so a request never hangs.
 */
export type ConnectionRole = 'worker' | 'producer';

/** What `createRedis` really returns: one Redis, or a Redis Cluster client. */
export type RedisConnection = Redis | Cluster;

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

/**
 * The same role options for a Cluster client: the queueing and reconnect choices apply to the
 * cluster as a whole, the rest (retries per request, timeouts, credentials, TLS) to each node.
 * BullMQ reads `redisOptions.maxRetriesPerRequest` of a Cluster to check worker connections.
 */
export function clusterOptions(role: ConnectionRole, url: ClusterUrl): ClusterOptions {
  const { enableOfflineQueue, enableReadyCheck, retryStrategy, ...perNode } = redisOptions(role);
  return {
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(enableReadyCheck === undefined ? {} : { enableReadyCheck }),
    ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
    redisOptions: {
      ...perNode,
      ...(url.username === undefined ? {} : { username: url.username }),
      ...(url.password === undefined ? {} : { password: url.password }),
      ...(url.tls ? { tls: {} } : {}),
    },
    lazyConnect: true,
  };
}

/**
 * Options for a primary found through Redis Sentinel: the role's options, the sentinels and the
 * monitored name. When the connection to the primary breaks, ioredis asks the sentinels for
 * the primary again and reconnects. A reply `READONLY` means the connection still points at a
 * demoted primary (one that lived through the failover): reconnect and send the command
 * again, which is safe because a refused write did nothing. (ioredis' `failoverDetector` is
 * not used: its subscriptions to the sentinels outlive `quit()` and keep a process alive.)
 */
export function sentinelOptions(role: ConnectionRole, url: SentinelUrl): RedisOptions {
  return {
    ...redisOptions(role),
    sentinels: url.sentinels,
    name: url.masterName,
    db: url.db,
    ...(url.username === undefined ? {} : { username: url.username }),
    ...(url.password === undefined ? {} : { password: url.password }),
    ...(url.sentinelUsername === undefined ? {} : { sentinelUsername: url.sentinelUsername }),
    ...(url.sentinelPassword === undefined ? {} : { sentinelPassword: url.sentinelPassword }),
    ...(url.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    reconnectOnError: (error) => (/^READONLY\b/.test(error.message) ? 2 : false),
    lazyConnect: true,
  };
}

/**
 * Opens (lazily) a connection for `role`: a Redis for `redis://`/`rediss://` URLs, one that
 * follows the primary through Redis Sentinel for `redis+sentinel://` ones, a Redis Cluster
 * client for `redis+cluster://` ones.
 *
 * The return type says `Redis` for both, on purpose: the store, the queue and the CLI are typed
 * against `Redis`, and a Cluster serves them unchanged. It has the same command methods (both
 * extend ioredis' Commander), `defineCommand` for our Lua scripts, `pipeline`/`multi`, the same
 * lifecycle (`status`, `connect`, `quit`, `disconnect`, events), and BullMQ looks at the object
 * at run time (`isCluster`), not at its static type. What differs are Redis-only members
 * (`options`, `duplicate(options)`) and keyless commands (SCAN, KEYS, INFO, CLIENT, FLUSHDB),
 * which a Cluster sends to one random node: src/ uses none of them on these connections, and code
 * that must (test helpers that SCAN) asks `clusterOf()` and walks `nodes('master')`. Every key
 * shares the hash tag `{prefix}` (keys.ts), so scripts, pipelines and MULTI stay on one slot.
 */
export function createRedis(url: string, role: ConnectionRole): Redis {
  if (isSentinelUrl(url)) return new Redis(sentinelOptions(role, parseSentinelUrl(url)));
  if (!isClusterUrl(url)) return new Redis(url, { ...redisOptions(role), lazyConnect: true });
  const parsed = parseClusterUrl(url);
  const cluster = new Cluster(parsed.nodes, clusterOptions(role, parsed));
  return cluster as unknown as Redis;
}

/**
 * The Cluster client behind a connection from `createRedis`, or undefined for a single Redis.
 * (A type guard cannot do this: `Redis` narrowed to `Cluster` is `never` for TypeScript.)
 */
export function clusterOf(connection: RedisConnection): Cluster | undefined {
  return (connection as Partial<Cluster>).isCluster === true
    ? (connection as unknown as Cluster)
    : undefined;
}

/** Connects, or throws a clear error naming the URL without its password. */
export async function connectRedis(
  redis: RedisConnection,
  url: string,
  timeoutMs = 3000,
): Promise<void> {
  let timeout: NodeJS.Timeout | undefined;
  const timer = new Promise<never>((_, reject) => {
    timeout = setTimeout(
      () => reject(new Error(`Redis at ${safeRedisUrl(url)} did not answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    timeout.unref();
  });
  try {
    if (redis.status === 'wait') await Promise.race([redis.connect(), timer]);
    await Promise.race([redis.ping(), timer]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot reach Redis at ${safeRedisUrl(url)}: ${reason}`);
  } finally {
    clearTimeout(timeout);
  }
}

/**
 * Starts connecting (if not yet) and resolves once Redis answers, however long that takes:
 * a worker started before its Redis waits for it instead of failing. Logs every 10 s.
 */
export async function waitForRedis(
  redis: Redis,
  logger: { warn(obj: object, msg: string): void },
  where: string,
): Promise<void> {
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
  if (redis.status === 'ready') return;
  const nag = setInterval(
    () => logger.warn({ redis: where }, 'waiting for Redis to answer'),
    10_000,
  );
  nag.unref();
  try {
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  } finally {
    clearInterval(nag);
  }
}
