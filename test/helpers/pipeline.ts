import { Readable } from 'node:stream';
import { loadConfig, type Config } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { isSettled } from '../../src/store/batch-status.js';
import type { BatchStatus, TurnRecord } from '../../src/shared/records.js';
import { openProducer, type ProducerContext } from '../../src/cli/context.js';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows, type IngestOptions } from '../../src/producer/ingest.js';
import type { IngestReport } from '../../src/producer/ingest-report.js';
import {
  createSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';
import { startWorker, type RunningWorker } from '../../src/worker/start-worker.js';
import { openServices } from '../../src/services.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-namespace.js';

export const TEST_API_KEY = 'sk-test-0123456789abcdef';

/**
 * The real stack in one test: the simulator, the real Redis under a unique prefix, producer
 * code and (optionally) an in-process worker. `close()` stops all and deletes the prefix.
 */
export interface Pipeline {
  prefix: string;
  config: Config;
  env: Record<string, string>;
  simulator: Simulator;
  producer: ProducerContext;
  worker?: RunningWorker;
  startWorker(overrides?: Record<string, string>, clock?: () => number): Promise<RunningWorker>;
  ingestCsv(csv: string, batchId: string, options?: Partial<IngestOptions>): Promise<IngestReport>;
  waitSettled(batchId: string, timeoutMs?: number): Promise<BatchStatus>;
  results(batchId: string): Promise<TurnRecord[]>;
  close(): Promise<void>;
}

export async function createPipeline(options: {
  label: string;
  simulator?: SimulatorOptions;
  env?: Record<string, string>;
  worker?: boolean;
}): Promise<Pipeline> {
  const prefix = uniquePrefix(options.label);
  const simulator = await createSimulator({ apiKey: TEST_API_KEY, ...options.simulator });
  const env: Record<string, string> = {
    REDIS_URL,
    CHATBATCH_PREFIX: prefix,
    SIGMAMIND_BASE_URL: simulator.url,
    SIGMAMIND_API_KEY: TEST_API_KEY,
    METRICS_PORT: '0',
    CHATBATCH_BACKOFF_MS: '20',
    CHATBATCH_REQUEST_TIMEOUT_MS: '2000',
    CHATBATCH_STALLED_INTERVAL_MS: '2000',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const config = loadConfig(env);
  const producer = await openProducer(config);
  const workers: RunningWorker[] = [];

  const pipeline: Pipeline = {
    prefix,
    config,
    env,
    simulator,
    producer,
    async startWorker(overrides = {}, clock) {
      const workerConfig = loadConfig({ ...env, ...overrides });
      const logger = createLogger(workerConfig.logLevel);
      const services = await openServices(workerConfig, 'worker', { logger, now: clock });
      const started = await startWorker({
        services,
        logger,
        serveMetrics: false,
        now: clock,
      });
      // The worker's services are its own here (a worker process opens them at start).
      const worker: RunningWorker = {
        ...started,
        metrics: started.metrics,
        metricsPort: started.metricsPort,
        async close() {
          await started.close();
          await services.close();
        },
      };
      workers.push(worker);
      pipeline.worker ??= worker;
      return worker;
    },
    ingestCsv(csv, batchId, ingestOptions = {}) {
      return ingestRows(
        producer.ingestDeps(),
        readCsvRows(Readable.from([csv]), {
          source: 'test.csv',
          defaultAgentId: ingestOptions.agentId,
        }),
        { batchId, ...ingestOptions },
      );
    },
    async waitSettled(batchId, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await producer.batchStore.status(batchId);
        if (status && isSettled(status)) return status;
        if (Date.now() > deadline)
          throw new Error(`batch ${batchId} not settled: ${JSON.stringify(status)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async results(batchId) {
      const records: TurnRecord[] = [];
      for await (const record of producer.batchStore.results(batchId)) records.push(record);
      return records;
    },
    async close() {
      await Promise.allSettled(workers.map((w) => w.close()));
      await producer.close();
      await simulator.close();
      await deletePrefix(prefix);
    },
  };
  if (options.worker !== false) await pipeline.startWorker();
  return pipeline;
}
