/**
 * `npm run bench`: the performance suite of issue 6. Every scenario runs the baseline (a minimal
 * raw-BullMQ worker, bench/baseline/) beside chatbatch in the same run, prints the table and
 * writes bench/results/latest.json with the machine it ran on. See docs/performance.md.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, USAGE } from './lib/args.js';
import { describeMachine } from './lib/machine.js';
import { RESULTS_DIR, ROOT } from './lib/paths.js';
import { killAll } from './lib/proc.js';
import { openBenchRedis } from './lib/bench-redis.js';
import { connect, useRedisUrl } from './lib/redis-ns.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './lib/scenario.js';
import { markdownTable, textTable } from './lib/table.js';
import { overhead } from './scenarios/overhead.js';
import { latency } from './scenarios/latency.js';
import { chains } from './scenarios/chains.js';
import { ingest } from './scenarios/ingest.js';
import { rateLimit } from './scenarios/rate-limit.js';
import { memory } from './scenarios/memory.js';
import { scaling } from './scenarios/scaling.js';
import { pacing } from './scenarios/pacing.js';
import { lanes } from './scenarios/lanes.js';
import { contactRules } from './scenarios/contact-rules.js';
import { million } from './scenarios/million.js';

const SCENARIOS: readonly Scenario[] = [
  overhead,
  latency,
  chains,
  ingest,
  rateLimit,
  memory,
  scaling,
  pacing,
  lanes,
  contactRules,
  million,
];

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const unknown = (args.only ?? []).filter((id) => !SCENARIOS.some((s) => s.id === id));
if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
const selected = SCENARIOS.filter((s) =>
  args.only ? args.only.includes(s.id) : s.optional !== true,
);

const server = await openBenchRedis();
useRedisUrl(server.url);
const redis = connect();
const tmpDir = await mkdtemp(join(tmpdir(), 'chatbatch-bench-'));
const cleanup = async () => {
  killAll();
  redis.disconnect();
  await server.stop();
  await rm(tmpDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const { version: bullmq } = JSON.parse(
  await readFile(join(ROOT, 'node_modules', 'bullmq', 'package.json'), 'utf8'),
) as { version: string };
const machine = await describeMachine(redis, bullmq);
log(
  `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, ` +
    `redis ${machine.redis} at ${server.url} (${server.owned ? 'own throwaway redis-server' : 'BENCH_REDIS_URL'}` +
    `${server.pid === undefined ? ', remote: Redis CPU from INFO cpu' : `, pid ${server.pid}`}), ` +
    `load ${machine.loadAverage1m}`,
);

const ctx: ScenarioContext = {
  redis,
  redisUrl: server.url,
  redisPid: server.pid,
  quick: args.quick,
  runs: args.runs ?? (args.quick ? 1 : 3),
  tmpDir,
  profileDir: args.profile ? join(RESULTS_DIR, 'profiles') : undefined,
  log,
};

const started = performance.now();
const results: ScenarioResult[] = [];
try {
  for (const scenario of selected) {
    log(`${scenario.title} …`);
    const t0 = performance.now();
    try {
      const result = await scenario.run(ctx);
      results.push({
        id: scenario.id,
        title: scenario.title,
        seconds: (performance.now() - t0) / 1000,
        ...result,
      });
    } catch (error) {
      killAll();
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`${scenario.id} failed: ${message}`);
      results.push({
        id: scenario.id,
        title: scenario.title,
        seconds: (performance.now() - t0) / 1000,
        metrics: [],
        notes: [],
        details: {},
        error: message,
      });
    }
    log(`${scenario.id} done in ${results.at(-1)!.seconds.toFixed(0)} s`);
  }
} finally {
  await cleanup();
}

const totalSeconds = (performance.now() - started) / 1000;
const loadAtEnd = Math.round(loadavg()[0]! * 100) / 100;
process.stdout.write(`\n${textTable(results)}\n\n`);
for (const r of results) for (const note of r.notes) process.stdout.write(`- ${r.id}: ${note}\n`);
process.stdout.write(
  `\n${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, node ${machine.node}, ` +
    `redis ${machine.redis}, bullmq ${machine.bullmq}; load average ${machine.loadAverage1m} at start, ` +
    `${loadAtEnd} at end; ${totalSeconds.toFixed(0)} s in all` +
    `${args.quick ? ' (--quick)' : ''}\n`,
);

await mkdir(RESULTS_DIR, { recursive: true });
const out = join(RESULTS_DIR, 'latest.json');
await writeFile(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      options: {
        only: args.only ?? null,
        quick: args.quick,
        runs: ctx.runs,
        profile: args.profile,
      },
      machine: {
        ...machine,
        loadAverage1mAtEnd: loadAtEnd,
        redisServer: server.owned ? 'own throwaway redis-server' : 'BENCH_REDIS_URL',
      },
      totalSeconds: Math.round(totalSeconds),
      scenarios: results,
      markdown: markdownTable(results),
    },
    (_key, value: unknown) => (value instanceof Map ? Object.fromEntries(value) : value),
    2,
  )}\n`,
);
process.stdout.write(`written ${out}\n`);
process.exitCode = results.some((r) => r.error) ? 1 : 0;
