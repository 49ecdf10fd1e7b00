import type { Redis } from 'ioredis';
import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import { makeKeys, type Keys } from '../shared/keys.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { connectRedis, createRedis } from '../shared/redis.js';
import { createBatchStore, type BatchStore } from '../store/batch-store.js';
import { createTurnQueue, type TurnQueue } from '../shared/turn-queue.js';
import { createMaintenanceStore, type MaintenanceStore } from '../store/maintenance-store.js';
import { CliError } from './exit-codes.js';
import type { IngestDeps } from '../producer/ingest.js';
import type { Metrics } from '../shared/metrics.js';

/** Reads the environment with flag overrides (flags win), or ends with exit 1 and the rule. */
export function configFrom(overrides: Record<string, string | number | undefined> = {}): Config {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) {
    if (value !== undefined) env[name] = String(value);
  }
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

/** Logs go to stderr so that stdout stays clean for --json and results. */
export function cliLogger(config: Config): Logger {
  return createLogger(config.logLevel, process.stderr);
}

/** What producer commands (ingest, status, results, control) share. */
export interface ProducerContext {
  config: Config;
  keys: Keys;
  redis: Redis;
  batchStore: BatchStore;
  maintenance: MaintenanceStore;
  turnQueue: TurnQueue;
  /** What `ingestRows` needs, from this context (counting rows in `metrics` when given). */
  ingestDeps(metrics?: Metrics): IngestDeps;
  close(): Promise<void>;
}

export async function openProducer(config: Config): Promise<ProducerContext> {
  const redis = createRedis(config.redisUrl, 'producer');
  redis.on('error', () => undefined); // reported by connectRedis or the failing command
  try {
    await connectRedis(redis, config.redisUrl);
  } catch (error) {
    redis.disconnect();
    throw new CliError((error as Error).message);
  }
  const keys = makeKeys(config.prefix);
  const batchStore = createBatchStore({
    redis,
    keys,
    now: Date.now,
    retentionSeconds: config.retentionSeconds,
  });
  let turnQueue: TurnQueue | undefined;
  const context: ProducerContext = {
    config,
    keys,
    redis,
    batchStore,
    maintenance: createMaintenanceStore({ redis, keys }),
    // Only commands that enqueue need a BullMQ Queue: build it on first use.
    get turnQueue() {
      turnQueue ??= createTurnQueue({ connection: redis, keys });
      return turnQueue;
    },
    ingestDeps(metrics) {
      return {
        redis,
        keys,
        batchStore,
        turnQueue: context.turnQueue,
        metrics,
        retentionSeconds: config.retentionSeconds,
      };
    },
    async close() {
      await turnQueue?.close().catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
  return context;
}
