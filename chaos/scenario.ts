import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { openProducer, type ProducerContext } from '../src/cli/context.js';
import { readCsvRows } from '../src/producer/csv/index.js';
import { ingestRows } from '../src/producer/ingest.js';
import { loadConfig } from '../src/shared/config.js';
import type { TurnRecord } from '../src/shared/records.js';
import { createSimulator, parseFaultSpec, type Simulator } from '../src/simulator/index.js';
import { analyse, type ChaosFindings } from './analyse.js';
import { planConversations } from './conversations.js';
import { runSchedule } from './schedule.js';
import { startFleet, type WorkerFleet } from './fleet.js';
import { DEFAULT_OPTIONS, seededRandom, type ChaosOptions } from './options.js';
import { startChaosRedis, type ChaosRedis, type RedisOutage } from './redis-server.js';

export interface ChaosResult {
  options: ChaosOptions;
  findings: ChaosFindings;
  /** Violations found by the run itself (deadline, shutdown), before the analysis. */
  violations: string[];
  conversations: number;
  turns: number;
  kills: number;
  workersStarted: number;
  outages: readonly RedisOutage[];
  /** Worker log lines at error level (expected around Redis restarts), last ones. */
  workerErrors: string[];
  /** Conversations the stuck-work watchdog queued again (each a job that had vanished). */
  watchdogRequeues: number;
  wallMs: number;
  /** Redis's AOF, the request log (requests.jsonl) and the worker logs. */
  workDir: string;
}

export const CHAOS_BATCH = 'chaos';
/** The simulator refuses any other key, so a worker that sent none or another is caught. */
const API_KEY = 'chaos-key-7d1f0c';

/**
 * One chaos scenario: a throwaway Redis (AOF, fsync always), the simulator with the fault mix,
 * N worker processes killed and restarted at random (and Redis restarted, when asked), one
 * batch of multi-turn conversations; then every guarantee is checked from the simulator's
 * request log and the store. Everything it starts is stopped before it returns.
 */
export async function runChaos(overrides: Partial<ChaosOptions> = {}): Promise<ChaosResult> {
  const options: ChaosOptions = { ...DEFAULT_OPTIONS, ...overrides };
  const started = Date.now();
  const random = seededRandom(options.seed);
  const workDir = await mkdtemp(path.join(tmpdir(), `chatbatch-chaos-${options.name}-`));
  await mkdir(path.join(workDir, 'redis'));
  const violations: string[] = [];
  const latencyBySeq = new Map<number, number>();

  let redis: ChaosRedis | undefined;
  let simulator: Simulator | undefined;
  let producer: ProducerContext | undefined;
  let fleet: WorkerFleet | undefined;
  // If this process dies first, no worker or redis-server may outlive it.
  const killChildren = () => {
    fleet?.killAll();
    redis?.kill();
  };
  process.once('exit', killChildren);
  try {
    redis = await startChaosRedis(path.join(workDir, 'redis'));
    simulator = await createSimulator({
      apiKey: API_KEY,
      faults: parseFaultSpec(options.faults),
      random: seededRandom(options.seed * 7919 + 1),
      // The script only fixes each answer's delay, and remembers it to tell in-flight requests.
      script: (request) => {
        const latencyMs = options.latencyMs + random() * options.jitterMs;
        latencyBySeq.set(request.seq, latencyMs);
        return { latencyMs };
      },
      logFile: path.join(workDir, 'requests.jsonl'),
    });
    const env = workerEnv(options, redis.url, simulator.url);
    producer = await openProducer(loadConfig(env));
    // The driver's own queue handle sees Redis go away too; that is the point, not news.
    producer.turnQueue.queue.on('error', () => undefined);
    const plan = planConversations(
      options.conversations,
      options.maxTurns,
      random,
      `s${options.seed}`,
    );
    const report = await ingest(producer, plan.csv);
    options.log(
      `[${options.name}] ingested ${report.accepted} conversations (${report.turns} turns); ${options.workers} workers; faults ${options.faults}`,
    );

    fleet = startFleet({ size: options.workers, env, logDir: workDir });
    let status;
    try {
      status = await runSchedule({
        options,
        random,
        started,
        fleet,
        redis,
        status: () => producer!.batchStore.status(CHAOS_BATCH),
        requests: () => simulator!.log.length,
        violations,
      });
    } finally {
      // Every worker must stop cleanly on SIGTERM: in-flight turns finish within the timeout.
      await fleet.stop(options.requestTimeoutMs + 10_000);
    }
    for (const stop of fleet.stops)
      if (stop.ready && stop.code !== 0)
        violations.push(
          `worker ${stop.slot} ended with ${stop.signal ?? `exit code ${stop.code}`} after SIGTERM (expected exit 0)`,
        );

    const records: TurnRecord[] = [];
    for await (const record of producer.batchStore.results(CHAOS_BATCH)) records.push(record);
    status = (await producer.batchStore.status(CHAOS_BATCH)) ?? status;
    if (!status) throw new Error('the chaos batch has no status');
    const findings = analyse({
      plan,
      accepted: report.accepted,
      status,
      records,
      log: simulator.log,
      latencyBySeq,
      kills: fleet.kills,
      outages: redis.outages,
      rateLimit: options.rateLimit,
      rateTolerance: options.rateTolerance,
    });
    return {
      options,
      findings,
      violations,
      conversations: plan.conversations,
      turns: plan.turns,
      kills: fleet.kills.length,
      workersStarted: fleet.started,
      outages: redis.outages,
      workerErrors: fleet.errorLines(),
      watchdogRequeues: fleet.watchdogRequeues(),
      wallMs: Date.now() - started,
      workDir,
    };
  } finally {
    fleet?.killAll();
    await producer?.close();
    await simulator?.close();
    await redis?.stop();
    process.off('exit', killChildren);
  }
}

export function chaosFailed(result: ChaosResult): boolean {
  return result.violations.length + result.findings.violations.length > 0;
}

/** Deletes the temp folder of a run that passed; a failed run's is kept for inspection. */
export async function removeWorkDir(result: ChaosResult): Promise<void> {
  if (!result.options.keepFiles && !chaosFailed(result))
    await rm(result.workDir, { recursive: true, force: true });
}

function workerEnv(options: ChaosOptions, redisUrl: string, vendorUrl: string) {
  return {
    REDIS_URL: redisUrl,
    CHATBATCH_PREFIX: 'chaos',
    SIGMAMIND_BASE_URL: vendorUrl,
    SIGMAMIND_API_KEY: API_KEY,
    METRICS_PORT: '0',
    CHATBATCH_CONCURRENCY: String(options.concurrency),
    CHATBATCH_RATE_LIMIT: String(options.rateLimit),
    CHATBATCH_REQUEST_TIMEOUT_MS: String(options.requestTimeoutMs),
    CHATBATCH_STALLED_INTERVAL_MS: String(options.stalledIntervalMs),
    CHATBATCH_BACKOFF_MS: String(options.backoffMs),
    CHATBATCH_MAX_ATTEMPTS: String(options.maxAttempts),
    CHATBATCH_ADAPTIVE: options.adaptive ? 'on' : 'off',
    // info: the fleet waits for "worker started"; the hot path logs nothing at info.
    LOG_LEVEL: 'info',
  };
}

async function ingest(producer: ProducerContext, csv: string) {
  return ingestRows(
    producer.ingestDeps(),
    readCsvRows(Readable.from([csv]), { source: 'chaos.csv' }),
    { batchId: CHAOS_BATCH },
  );
}
