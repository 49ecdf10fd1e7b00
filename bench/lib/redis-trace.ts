import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { storeScripts } from '../../src/store/scripts.js';
import { info } from './redis-ns.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Names the Lua scripts behind EVALSHA: BullMQ's own and chatbatch's store scripts. */
export function scriptNames(): Map<string, string> {
  const names = new Map<string, string>();
  // The CommonJS build: the ESM index imports its files without extensions (bundler style).
  const bullmq = createRequire(import.meta.url)('bullmq/dist/cjs/scripts/index.js') as Record<
    string,
    unknown
  >;
  for (const value of Object.values(bullmq)) {
    const script = value as { name?: unknown; content?: unknown };
    if (typeof script.name === 'string' && typeof script.content === 'string') {
      names.set(sha1(script.content), `bullmq ${script.name}`);
    }
  }
  // chatbatch's own, as its store registers them (ioredis keeps each Script, with its sha, in
  // scriptsSet): whatever the scripts are made of today, the names match.
  const unconnected = new Redis({ lazyConnect: true });
  storeScripts(unconnected);
  const defined = (unconnected as unknown as { scriptsSet: Record<string, { sha: string }> })
    .scriptsSet;
  for (const [name, script] of Object.entries(defined)) names.set(script.sha, `chatbatch ${name}`);
  unconnected.disconnect();
  return names;
}

/**
 * Counts the commands clients send (MONITOR; commands run inside Lua scripts are left out), by
 * command, naming EVALSHA scripts. Connections named `bench` (CLIENT SETNAME) are left out.
 */
export async function startCommandTrace(monitorFrom: Redis, bench: Redis) {
  await bench.client('SETNAME', 'bench');
  const clients = String(await bench.client('LIST'));
  const ignored = new Set(
    clients
      .split('\n')
      .filter((line) => / name=bench /.test(line))
      .map((line) => /addr=(\S+)/.exec(line)?.[1]),
  );
  const names = scriptNames();
  const counts = new Map<string, number>();
  const monitor = await monitorFrom.monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua' || ignored.has(source)) return;
    const command = (args[0] ?? '').toLowerCase();
    const name =
      command === 'evalsha'
        ? (names.get(args[1] ?? '') ?? `evalsha ${args[1]?.slice(0, 8)}`)
        : command === 'eval'
          ? (names.get(sha1(args[1] ?? '')) ?? 'eval (unknown script)')
          : command;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  return {
    async stop(): Promise<Map<string, number>> {
      monitor.disconnect();
      return counts;
    },
  };
}

/** Calls per command from INFO commandstats (inside Lua scripts included), and Redis CPU in µs. */
export async function commandStats(
  redis: Redis,
): Promise<{ calls: Map<string, number>; usec: Map<string, number>; cpuUs: number }> {
  const calls = new Map<string, number>();
  const usec = new Map<string, number>();
  for (const [key, value] of await info(redis, 'commandstats')) {
    if (!key.startsWith('cmdstat_')) continue;
    const name = key.slice('cmdstat_'.length);
    const count = /calls=(\d+)/.exec(value);
    const time = /usec=(\d+)/.exec(value);
    if (count) calls.set(name, Number(count[1]));
    if (time) usec.set(name, Number(time[1]));
  }
  const cpu = await info(redis, 'cpu');
  const cpuUs = (Number(cpu.get('used_cpu_user')) + Number(cpu.get('used_cpu_sys'))) * 1e6;
  return { calls, usec, cpuUs };
}

/** `after − before` per unit, sorted, for the report. */
export function perUnit(
  after: Map<string, number>,
  before: Map<string, number>,
  units: number,
): Record<string, number> {
  const rows = [...after]
    .map(([name, n]) => [name, (n - (before.get(name) ?? 0)) / units] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(rows.map(([name, n]) => [name, Math.round(n * 100) / 100]));
}
