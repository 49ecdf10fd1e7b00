import type { Redis } from 'ioredis';
import { cpuSeconds } from './proc-cpu.js';
import { commandStats, perUnit } from './redis-trace.js';
import { metric, type Metric } from './scenario.js';
import { median } from './stats.js';

/** Counters read at the start and at the end of a measured part. */
export interface CostReading {
  /** CPU time (user + system) of the worker processes together, in s. */
  workerCpuS: number;
  /** CPU time of the redis-server, in s. */
  redisCpuS: number;
  /** INFO commandstats: calls per command since Redis started (inside Lua scripts included). */
  calls: Map<string, number>;
  /** INFO commandstats: µs spent per command since Redis started (EVALSHA includes its script's). */
  usec: Map<string, number>;
}

/** What one turn cost over a measured part. */
export interface TurnCost {
  /** Worker process CPU per turn, in µs. */
  workerCpuUs: number;
  /** redis-server CPU per turn, in µs. */
  redisCpuUs: number;
  /** Both together, in µs: what a turn costs the machine besides the vendor. */
  totalCpuUs: number;
  /** Redis calls per turn by command (evalsha and the commands its script ran both count). */
  callsPerTurn: Record<string, number>;
  /** All Redis calls per turn. */
  callsPerTurnTotal: number;
  /**
   * Redis time per turn by command, in µs (commandstats usec): where the server's time goes.
   * An EVALSHA's time includes the commands its script runs, which also count on their own.
   */
  usecPerTurn: Record<string, number>;
}

/**
 * Reads the counters. Redis CPU comes from /proc/<pid>/stat when the server runs here (the same
 * clock as the workers'), otherwise from INFO cpu (the server's own getrusage).
 */
export async function readCost(
  redis: Redis,
  o: { redisPid: number | undefined; workerPids: readonly number[] },
): Promise<CostReading> {
  const [stats, workers, server] = await Promise.all([
    commandStats(redis),
    Promise.all(o.workerPids.map((pid) => cpuSeconds(pid))),
    o.redisPid === undefined ? Promise.resolve(undefined) : cpuSeconds(o.redisPid),
  ]);
  return {
    workerCpuS: workers.reduce((a, b) => a + b, 0),
    redisCpuS: server ?? stats.cpuUs / 1e6,
    calls: stats.calls,
    usec: stats.usec,
  };
}

/** The cost per turn between two readings. */
export function turnCost(before: CostReading, after: CostReading, turns: number): TurnCost {
  const workerCpuUs = ((after.workerCpuS - before.workerCpuS) * 1e6) / turns;
  const redisCpuUs = ((after.redisCpuS - before.redisCpuS) * 1e6) / turns;
  let calls = 0;
  for (const [name, n] of after.calls) calls += n - (before.calls.get(name) ?? 0);
  return {
    workerCpuUs,
    redisCpuUs,
    totalCpuUs: workerCpuUs + redisCpuUs,
    callsPerTurn: perUnit(after.calls, before.calls, turns),
    callsPerTurnTotal: calls / turns,
    usecPerTurn: perUnit(after.usec, before.usec, turns),
  };
}

/** The median of each figure over runs (per command too; a command missing from a run counts 0). */
export function medianCost(costs: readonly TurnCost[]): TurnCost {
  return {
    workerCpuUs: median(costs.map((c) => c.workerCpuUs)),
    redisCpuUs: median(costs.map((c) => c.redisCpuUs)),
    totalCpuUs: median(costs.map((c) => c.totalCpuUs)),
    callsPerTurn: medianByName(costs.map((c) => c.callsPerTurn)),
    callsPerTurnTotal: median(costs.map((c) => c.callsPerTurnTotal)),
    usecPerTurn: medianByName(costs.map((c) => c.usecPerTurn)),
  };
}

function medianByName(rows: readonly Record<string, number>[]): Record<string, number> {
  const names = new Set(rows.flatMap((r) => Object.keys(r)));
  return Object.fromEntries(
    [...names]
      .map((name) => [name, median(rows.map((r) => r[name] ?? 0))] as const)
      .sort((a, b) => b[1] - a[1]),
  );
}

/**
 * `evalsha 40.2 µs, del 3.1 µs, … (+9 more)`: Redis time per turn by command, the largest first
 * (an EVALSHA's time includes its script's commands).
 */
export function formatRedisTime(cost: TurnCost, top = 8): string {
  const rows = Object.entries(cost.usecPerTurn).sort((a, b) => b[1] - a[1]);
  const shown = rows.slice(0, top).map(([name, us]) => `${name} ${round2(us)} µs`);
  const more = rows.length > top ? ` (+${rows.length - top} more)` : '';
  return `${shown.join(', ')}${more}`;
}

/** `12.1 calls/turn: evalsha 2, hget 1.5, … (+3 more)`, the largest first. */
export function formatCalls(cost: TurnCost, top = 10): string {
  const rows = Object.entries(cost.callsPerTurn).sort((a, b) => b[1] - a[1]);
  const shown = rows.slice(0, top).map(([name, n]) => `${name} ${round2(n)}`);
  const more = rows.length > top ? ` (+${rows.length - top} more)` : '';
  return `${round2(cost.callsPerTurnTotal)} calls/turn: ${shown.join(', ')}${more}`;
}

/**
 * Where `a` makes more Redis calls per turn than `b`: `+15.2 calls/turn: hset +3, hmget +3.2, …`,
 * the largest differences first (commands `a` makes fewer of are left out).
 */
export function formatExtraCalls(a: TurnCost, b: TurnCost, top = 10): string {
  const rows = Object.entries(a.callsPerTurn)
    .map(([name, n]) => [name, n - (b.callsPerTurn[name] ?? 0)] as const)
    .filter(([, d]) => d >= 0.01)
    .sort((x, y) => y[1] - x[1]);
  const shown = rows.slice(0, top).map(([name, d]) => `${name} +${round2(d)}`);
  const more = rows.length > top ? ` (+${rows.length - top} more)` : '';
  const total = round2(a.callsPerTurnTotal - b.callsPerTurnTotal);
  return `${total >= 0 ? '+' : ''}${total} calls/turn: ${shown.join(', ')}${more}`;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The three CPU lines of a comparison: worker, Redis, and both (judged against `totalTarget`,
 * a bound on the ratio, when given).
 */
export function cpuMetrics(
  a: TurnCost,
  b: TurnCost,
  o: { prefix?: string; totalTarget?: number } = {},
): Metric[] {
  const p = o.prefix ?? '';
  const ratio = a.totalCpuUs / b.totalCpuUs;
  return [
    metric({
      metric: `${p}worker process CPU per turn`,
      unit: 'µs',
      chatbatch: a.workerCpuUs,
      baseline: b.workerCpuUs,
    }),
    metric({
      metric: `${p}Redis CPU per turn`,
      unit: 'µs',
      chatbatch: a.redisCpuUs,
      baseline: b.redisCpuUs,
    }),
    metric({
      metric: `${p}worker + Redis CPU per turn`,
      unit: 'µs',
      chatbatch: a.totalCpuUs,
      baseline: b.totalCpuUs,
      ...(o.totalTarget === undefined
        ? {}
        : { target: `≤ ${o.totalTarget}× baseline`, met: ratio <= o.totalTarget }),
    }),
  ];
}

/**
 * Turns per CPU-second of worker + Redis, `a` against `b`, judged against `target` (a lower
 * bound on the ratio): what the turns/s ratio would be where those two processes own the cores.
 * On a machine shared with other load, wall-clock turns/s swings from run to run with what the
 * others do, while CPU per turn hardly moves, so this is the steadier view of the same question.
 */
export function cpuThroughputMetric(
  a: TurnCost,
  b: TurnCost,
  /** Judged against `target` (a ratio) when given; reported only otherwise. */
  o: { metric: string; target?: number },
): Metric {
  const ratio = b.totalCpuUs / a.totalCpuUs;
  return metric({
    metric: o.metric,
    unit: 'turns/CPU-s',
    chatbatch: 1e6 / a.totalCpuUs,
    baseline: 1e6 / b.totalCpuUs,
    target: o.target === undefined ? null : `≥ ${o.target}×`,
    met: o.target === undefined ? null : ratio >= o.target,
  });
}
