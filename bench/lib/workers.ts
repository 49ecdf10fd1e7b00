import { BENCH_API_KEY } from './sim.js';
import { CLI, benchProgram } from './paths.js';
import { REDIS_URL } from './redis-ns.js';
import { runNode, spawnNode, type NodeChild } from './proc.js';

export type Impl = 'chatbatch' | 'baseline';
export const IMPLS: readonly Impl[] = ['baseline', 'chatbatch'];

export interface WorkerOptions {
  prefix: string;
  simUrl: string;
  concurrency: number;
  /** Request starts per second across all workers; 0 = none. Default 0. */
  rateLimit?: number;
  redisUrl?: string;
  /** Baseline only: keep finished jobs with their result (memory scenario). */
  keepResults?: boolean;
  /** Write a V8 CPU profile of the process into this folder when it exits. */
  cpuProfDir?: string;
  /** A label for messages. */
  name?: string;
  /** More environment for the process (e.g. CHATBATCH_ADAPTIVE, CHATBATCH_FAIR_LANES). Default none. */
  env?: Record<string, string>;
}

/** The environment both implementations read (chatbatch's own variables; docs/reference/contract.md). */
function workerEnv(o: WorkerOptions): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl ?? REDIS_URL,
    CHATBATCH_PREFIX: o.prefix,
    SIGMAMIND_BASE_URL: o.simUrl,
    SIGMAMIND_API_KEY: BENCH_API_KEY,
    CHATBATCH_CONCURRENCY: String(o.concurrency),
    CHATBATCH_RATE_LIMIT: String(o.rateLimit ?? 0),
    // Any free port: several workers run at once, and 9464 may be taken.
    METRICS_PORT: '0',
    BASELINE_KEEP_RESULTS: o.keepResults ? '1' : '0',
    ...o.env,
  };
}

function profileArgs(dir: string | undefined, label: string): string[] {
  return dir
    ? ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${label}-${Date.now()}.cpuprofile`]
    : [];
}

/**
 * Starts one worker process of the given implementation and waits until it is ready. chatbatch
 * runs as `node dist/cli/main.js worker` with its defaults (LOG_LEVEL info and all).
 */
export async function startWorker(impl: Impl, o: WorkerOptions): Promise<NodeChild> {
  const env = workerEnv(o);
  const nodeArgs = profileArgs(o.cpuProfDir, `${impl}-worker`);
  const name = o.name ?? `${impl} worker`;
  if (impl === 'chatbatch') {
    const child = spawnNode(name, [CLI, 'worker'], { env, nodeArgs });
    await child.waitFor(/"worker started"/);
    return child;
  }
  const program = benchProgram('baseline/worker');
  const child = spawnNode(name, [program.script], {
    env,
    nodeArgs: [...program.execArgv, ...nodeArgs],
  });
  await child.waitFor(/baseline worker ready/);
  return child;
}

/** `chatbatch ingest <csv> --batch <id> --json`, as a user runs it; returns its report. */
export async function chatbatchIngest(
  csv: string,
  batchId: string,
  o: {
    prefix: string;
    redisUrl?: string;
    trackRss?: boolean;
    cpuProfDir?: string;
    /** More flags (e.g. `--priority high`). */
    args?: string[];
    /** More environment (e.g. CHATBATCH_FAIR_LANES). */
    env?: Record<string, string>;
  },
): Promise<{
  report: { accepted: number; turns: number };
  seconds: number;
  peakRssBytes: number;
  cpuSeconds: number;
}> {
  const result = await runNode(
    'chatbatch ingest',
    [CLI, 'ingest', csv, '--batch', batchId, '--json', ...(o.args ?? [])],
    {
      env: { REDIS_URL: o.redisUrl ?? REDIS_URL, CHATBATCH_PREFIX: o.prefix, ...o.env },
      trackRss: o.trackRss,
      nodeArgs: profileArgs(o.cpuProfDir, 'chatbatch-ingest'),
    },
  );
  const jsonLine = result.output.split('\n').find((line) => line.startsWith('{"batchId"'));
  if (!jsonLine)
    throw new Error(`chatbatch ingest printed no report:\n${result.output.slice(-2000)}`);
  return { ...result, report: JSON.parse(jsonLine) as { accepted: number; turns: number } };
}

/** The raw addBulk loader (baseline/add-bulk.ts) on the same CSV. */
export async function rawAddBulk(
  csv: string,
  batchId: string,
  o: { prefix: string; redisUrl?: string; trackRss?: boolean; cpuProfDir?: string },
): Promise<{ rows: number; seconds: number; peakRssBytes: number; cpuSeconds: number }> {
  const program = benchProgram('baseline/add-bulk');
  const result = await runNode('raw addBulk', [program.script, csv, batchId], {
    env: { REDIS_URL: o.redisUrl ?? REDIS_URL, CHATBATCH_PREFIX: o.prefix },
    trackRss: o.trackRss,
    nodeArgs: [...program.execArgv, ...profileArgs(o.cpuProfDir, 'raw-addbulk')],
  });
  const jsonLine = result.output.split('\n').find((line) => line.startsWith('{"rows"'));
  if (!jsonLine) throw new Error(`add-bulk printed no count:\n${result.output.slice(-2000)}`);
  return { ...result, rows: (JSON.parse(jsonLine) as { rows: number }).rows };
}

/** `chatbatch suppress import <file> --json`, as a user imports a do-not-contact list. */
export async function chatbatchSuppressImport(
  file: string,
  o: { prefix: string; redisUrl?: string },
): Promise<{ added: number; seconds: number }> {
  const result = await runNode(
    'chatbatch suppress import',
    [CLI, 'suppress', 'import', file, '--json'],
    { env: { REDIS_URL: o.redisUrl ?? REDIS_URL, CHATBATCH_PREFIX: o.prefix } },
  );
  const jsonLine = result.output.split('\n').find((line) => line.startsWith('{"read"'));
  if (!jsonLine)
    throw new Error(`suppress import printed no report:\n${result.output.slice(-2000)}`);
  return { added: (JSON.parse(jsonLine) as { added: number }).added, seconds: result.seconds };
}
