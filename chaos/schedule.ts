import type { BatchStatus } from '../src/shared/records.js';
import { isSettled } from '../src/store/batch-status.js';
import type { WorkerFleet } from './fleet.js';
import { between, type ChaosOptions } from './options.js';
import type { ChaosRedis } from './redis-server.js';

/** How often the batch status is read, ms. */
const POLL_MS = 250;
/** How often a progress line is printed, ms. */
const PROGRESS_MS = 5000;

/**
 * The chaos itself: until the batch settles or the deadline passes, SIGKILL a random worker
 * now and then (and start it again a little later) and, when asked, stop and restart Redis.
 * Returns the last status read; a passed deadline is added to `violations`.
 */
export async function runSchedule(deps: {
  options: ChaosOptions;
  random: () => number;
  /** Epoch ms the scenario started (the deadline counts from it). */
  started: number;
  fleet: WorkerFleet;
  redis: ChaosRedis;
  status(): Promise<BatchStatus | undefined>;
  requests(): number;
  violations: string[];
}): Promise<BatchStatus | undefined> {
  const { options, random, fleet, redis, started } = deps;
  const say = (text: string) =>
    options.log(`[${options.name}] t+${((Date.now() - started) / 1000).toFixed(1)}s ${text}`);
  const restarts = new Set<NodeJS.Timeout>();
  const next = (every: readonly [number, number] | null) =>
    every ? Date.now() + between(random, every) : Infinity;

  let status: BatchStatus | undefined;
  let nextKill = next(options.killEveryMs);
  let nextRedis = next(options.redisRestartEveryMs);
  let nextProgress = Date.now() + PROGRESS_MS;
  let finished = -1;
  let lastProgressAt = Date.now();
  const deadline = started + options.deadlineMs;
  try {
    for (;;) {
      // While Redis is down the producer fails fast; the last status read stands.
      status = (await deps.status().catch(() => undefined)) ?? status;
      if (status && isSettled(status)) return status;
      const now = Date.now();
      if (now > deadline) {
        deps.violations.push(
          `not finished within ${options.deadlineMs / 1000} s: ${JSON.stringify(status?.conversations)}`,
        );
        return status;
      }
      const t = status?.turns;
      const done = t ? t.completed + t.failed + t.skipped : 0;
      if (done !== finished) {
        finished = done;
        lastProgressAt = now;
      } else if (now - lastProgressAt > options.stallMs) {
        deps.violations.push(
          `stuck: no turn finished for ${options.stallMs / 1000} s with work left: ${JSON.stringify(status?.conversations)}`,
        );
        return status;
      }
      if (now >= nextKill && fleet.kills.length < options.maxKills) {
        const kill = fleet.killOne(random);
        if (kill) {
          say(`SIGKILL worker ${kill.slot} (pid ${kill.pid})`);
          const timer = setTimeout(
            () => {
              restarts.delete(timer);
              fleet.restart(kill.slot);
            },
            between(random, options.restartAfterMs),
          );
          restarts.add(timer);
        }
        nextKill = next(options.killEveryMs);
      }
      if (now >= nextRedis && redis.outages.length < options.maxRedisRestarts) {
        // SIGKILL first (nothing flushed on the way out), then SIGTERM, alternating.
        const signal = redis.outages.length % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
        const downMs = between(random, options.redisDownMs);
        say(`Redis ${signal}, staying down ${Math.round(downMs)} ms`);
        const outage = await redis.restart(signal, downMs);
        say(`Redis back after ${outage.upAt - outage.downAt} ms`);
        nextRedis = next(options.redisRestartEveryMs);
      }
      if (now >= nextProgress) {
        nextProgress = now + PROGRESS_MS;
        const t = status?.turns;
        say(
          t
            ? `turns: ${t.completed} completed, ${t.failed} failed, ${t.skipped} skipped of ${t.total}; ${deps.requests()} requests`
            : 'no status yet',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    for (const timer of restarts) clearTimeout(timer);
  }
}
