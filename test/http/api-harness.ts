import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { buildApp, type ApiDeps } from '../../src/producer/api/app.js';
import type { ZodApp } from '../../src/producer/api/context.js';
import { loadConfig, type Config } from '../../src/shared/config.js';
import type { Keys } from '../../src/shared/keys.js';
import { createLogger } from '../../src/shared/logger.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { BatchStore } from '../../src/store/batch-store.js';
import type { MaintenanceStore } from '../../src/store/maintenance-store.js';
import type { TurnStore } from '../../src/store/turn-store.js';
import type { TurnQueue } from '../../src/shared/turn-queue.js';
import { openServices, type Services } from '../../src/services.js';
import type { Redis } from 'ioredis';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

export const TOKEN = 'tok-http-test-7d1f0c9a2b';
export const OTHER_TOKEN = 'tok-second-4e8a1b';
export const VENDOR_KEY = 'sk-vendor-secret-5b9e2a77';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

/**
 * The API over the real Redis under a unique prefix, for `inject()` tests: no worker, so turns
 * stay pending unless a test records them through the worker's own store (`turnStore`). Every
 * log line is captured in `logs` (to check that no secret is ever logged).
 */
export interface ApiHarness {
  app: ZodApp;
  prefix: string;
  config: Config;
  services: Services;
  keys: Keys;
  redis: Redis;
  batchStore: BatchStore;
  turnStore: TurnStore;
  turnQueue: TurnQueue;
  maintenance: MaintenanceStore;
  logs: string[];
  close(): Promise<void>;
}

export async function createApiHarness(
  options: { env?: Record<string, string>; deps?: Partial<ApiDeps>; redisUrl?: string } = {},
): Promise<ApiHarness> {
  const prefix = uniquePrefix('api');
  const config = loadConfig({
    REDIS_URL: options.redisUrl ?? REDIS_URL,
    CHATBATCH_PREFIX: prefix,
    CHATBATCH_API_TOKENS: `${TOKEN}, ${OTHER_TOKEN}`,
    SIGMAMIND_API_KEY: VENDOR_KEY,
    ...options.env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('trace', destination);
  const services = await openServices(config, 'api', {
    connectTimeoutMs: options.redisUrl ? 300 : undefined,
  });
  const app = await buildApp({
    config,
    services,
    metrics: createMetrics(new Registry(), { defaultMetrics: false }),
    logger,
    ...options.deps,
  });
  await app.ready();
  return {
    app,
    prefix,
    config,
    services,
    keys: services.keys,
    redis: services.redis,
    batchStore: services.batchStore,
    turnStore: services.turnStore,
    turnQueue: services.turnQueue,
    maintenance: services.maintenance,
    logs,
    async close() {
      await app.close();
      await services.close();
      if (!options.redisUrl) await deletePrefix(prefix);
    },
  };
}
