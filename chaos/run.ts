/**
 * `npm run chaos`: the two chaos scenarios of issue 5, one after the other, with a report each.
 * Exits 1 on any violation, 2 when the whole run overruns its hard deadline.
 *
 *   tsx chaos/run.ts [--scenario kills|redis|all] [--conversations N] [--seed S] [--faults SPEC] [--adaptive] [--keep]
 */
import { parseArgs } from 'node:util';
import { formatReport } from './report.js';
import { chaosFailed, removeWorkDir, runChaos, type ChaosResult } from './scenario.js';
import type { ChaosOptions } from './options.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    conversations: { type: 'string', default: '3000' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    keep: { type: 'boolean', default: false },
    faults: { type: 'string' },
    adaptive: { type: 'boolean', default: false },
  },
});

const conversations = Number(values.conversations);
const seed = Number(values.seed);
if (!Number.isInteger(conversations) || conversations < 1 || !Number.isInteger(seed)) {
  process.stderr.write(
    'usage: tsx chaos/run.ts [--scenario kills|redis|all] [--conversations N] [--seed S] [--faults SPEC] [--adaptive] [--keep]\n',
  );
  process.exit(2);
}

const common: Partial<ChaosOptions> = {
  conversations,
  seed,
  keepFiles: values.keep,
  adaptive: values.adaptive,
  ...(values.faults ? { faults: values.faults } : {}),
  log: (line) => process.stdout.write(`${line}\n`),
};
const scenarios: Record<string, Partial<ChaosOptions>> = {
  // Workers SIGKILLed every 2–6 s and restarted, under the full fault mix.
  kills: { name: 'kills' },
  // The same, and the Redis server itself stopped (SIGKILL, then SIGTERM, …) and started again.
  redis: {
    name: 'redis',
    killEveryMs: [4000, 9000],
    redisRestartEveryMs: [6000, 12_000],
    maxRedisRestarts: 3,
  },
};
const chosen = values.scenario === 'all' ? Object.keys(scenarios) : [values.scenario];
if (!chosen.every((name) => name in scenarios)) {
  process.stderr.write(`unknown scenario ${values.scenario}; use kills, redis or all\n`);
  process.exit(2);
}

// The hard stop: each scenario has its own deadline; this one catches a hang outside them.
const HARD_DEADLINE_MS = chosen.length * 330_000;
setTimeout(() => {
  process.stderr.write(`chaos: hard deadline of ${HARD_DEADLINE_MS / 1000} s passed, stopping\n`);
  process.exit(2);
}, HARD_DEADLINE_MS).unref();

const results: ChaosResult[] = [];
for (const name of chosen) {
  const result = await runChaos({ ...common, ...scenarios[name] });
  results.push(result);
  process.stdout.write(`\n${formatReport(result)}\n\n`);
  await removeWorkDir(result);
}
const failed = results.filter(chaosFailed);
process.stdout.write(
  failed.length
    ? `chaos: ${failed.length} of ${results.length} scenarios FAILED\n`
    : `chaos: all ${results.length} scenarios passed\n`,
);
process.exit(failed.length ? 1 : 0);
