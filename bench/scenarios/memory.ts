import type { Redis } from 'ioredis';
import { startThrowawayRedis } from '../../src/cli/throwaway-redis.js';
import { memoryByKind } from '../lib/key-memory.js';
import { connect, info, openQueue, uniquePrefix, waitDrained } from '../lib/redis-ns.js';
import { commandStats, perUnit, startCommandTrace } from '../lib/redis-trace.js';
import { metric, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startSimulator, type SimProcess } from '../lib/sim.js';
import { chatbatchIngest, startWorker, IMPLS, type Impl } from '../lib/workers.js';
import { enqueueBaseline, workloadCsv, type Workload } from '../lib/workload.js';

const REPLY_CHARS = 100;
const CONCURRENCY = 50;
const TRACED_CONVERSATIONS = 200;
const settle = () => new Promise((r) => setTimeout(r, 1000));

async function enqueue(
  impl: Impl,
  w: Workload,
  ctx: ScenarioContext,
  o: { prefix: string; url: string; redis: Redis; batch: string },
) {
  if (impl === 'baseline')
    return enqueueBaseline(openQueue(o.redis, o.prefix), w, { keepResults: true });
  await chatbatchIngest(await workloadCsv(ctx.tmpDir, w), o.batch, {
    prefix: o.prefix,
    redisUrl: o.url,
  });
}

/**
 * One implementation on a private Redis: memory before and after N finished conversations,
 * commands and Redis CPU per turn during them, then a small MONITOR-ed run for the commands
 * clients send per turn.
 */
async function measure(
  ctx: ScenarioContext,
  impl: Impl,
  sim: SimProcess,
  url: string,
  conversations: number,
) {
  const redis = connect(url);
  const monitorFrom = connect(url);
  const prefix = uniquePrefix(`memory-${impl}`);
  const queue = openQueue(redis, prefix);
  const worker = await startWorker(impl, {
    prefix,
    simUrl: sim.url,
    concurrency: CONCURRENCY,
    redisUrl: url,
    keepResults: true,
  });
  try {
    const o = { prefix, url, redis, batch: 'mem' };
    await settle();
    const before = Number((await info(redis, 'memory')).get('used_memory'));
    await queue.pause();
    await enqueue(impl, { tag: 'memory', conversations, turns: 1 }, ctx, o);
    const statsBefore = await commandStats(redis);
    await queue.resume();
    await waitDrained(queue, { timeoutMs: 120_000, intervalMs: 100, what: `${impl} memory run` });
    const statsAfter = await commandStats(redis);
    await settle();
    const after = Number((await info(redis, 'memory')).get('used_memory'));
    const byKind = await memoryByKind(redis);

    // The traced run: few turns, because MONITOR slows Redis down.
    await queue.pause();
    await enqueue(impl, { tag: 'traced', conversations: TRACED_CONVERSATIONS, turns: 1 }, ctx, {
      ...o,
      batch: 'traced',
    });
    const trace = await startCommandTrace(monitorFrom, redis);
    await queue.resume();
    await waitDrained(queue, { timeoutMs: 60_000, what: `${impl} traced run` });
    const sent = await trace.stop();
    const sentPerTurn = perUnit(sent, new Map(), TRACED_CONVERSATIONS);
    return {
      bytesPerConversation: (after - before) / conversations,
      usedMemoryBefore: before,
      usedMemoryAfter: after,
      keysByKind: byKind,
      redisCpuUsPerTurn: (statsAfter.cpuUs - statsBefore.cpuUs) / conversations,
      commandsExecutedPerTurn: perUnit(statsAfter.calls, statsBefore.calls, conversations),
      commandsSentPerTurn: sentPerTurn,
      commandsSentPerTurnTotal: Object.values(sentPerTurn).reduce((a, b) => a + b, 0),
    };
  } finally {
    await worker.stop();
    await queue.close();
    redis.disconnect();
    monitorFrom.disconnect();
  }
}

/** 6. What a finished conversation leaves in Redis, and what a turn costs Redis. */
export const memory: Scenario = {
  id: 'memory',
  title: '6. Redis memory per finished conversation',
  async run(ctx) {
    const conversations = ctx.quick ? 2_000 : 10_000;
    const server = await startThrowawayRedis();
    const sim = await startSimulator({ latencyMs: 0, replyChars: REPLY_CHARS });
    try {
      const results: Partial<Record<Impl, Awaited<ReturnType<typeof measure>>>> = {};
      for (const impl of IMPLS) {
        const admin = connect(server.url);
        await admin.flushall();
        admin.disconnect();
        results[impl] = await measure(ctx, impl, sim, server.url, conversations);
        ctx.log(
          `memory ${impl}: ${results[impl].bytesPerConversation.toFixed(0)} B/conversation, ` +
            `${results[impl].commandsSentPerTurnTotal.toFixed(1)} commands sent/turn, ` +
            `Redis CPU ${results[impl].redisCpuUsPerTurn.toFixed(0)} µs/turn`,
        );
      }
      const c = results.chatbatch!;
      const b = results.baseline!;
      return {
        metrics: [
          metric({
            metric: 'Redis memory per finished conversation',
            unit: 'bytes',
            chatbatch: c.bytesPerConversation,
            baseline: b.bytesPerConversation,
            target: '≤ 2048 B',
            met: c.bytesPerConversation <= 2048,
          }),
          metric({
            metric: 'commands sent to Redis per turn',
            unit: 'commands',
            chatbatch: c.commandsSentPerTurnTotal,
            baseline: b.commandsSentPerTurnTotal,
          }),
          metric({
            metric: 'Redis CPU per turn',
            unit: 'µs',
            chatbatch: c.redisCpuUsPerTurn,
            baseline: b.redisCpuUsPerTurn,
          }),
        ],
        notes: [
          `private redis-server (src/cli/throwaway-redis.ts, flushed per implementation); ${conversations} ` +
            `single-turn conversations, replies of exactly ${REPLY_CHARS} characters; used_memory after all ` +
            `finished (+1 s) minus before the ingest, ÷ conversations. chatbatch keeps results for ` +
            `CHATBATCH_RETENTION_DAYS (default 7); the baseline keeps each finished job with {chatId, response} ` +
            `as its return value (raw BullMQ's way to keep results; removeOnComplete: false).`,
          `commands sent per turn: MONITOR during ${TRACED_CONVERSATIONS} more turns (not commands run inside ` +
            `Lua scripts; the worker's blocking fetches included); Redis CPU: ` +
            `INFO cpu delta ÷ turns.`,
        ],
        details: { conversations, replyChars: REPLY_CHARS, results },
      };
    } finally {
      await sim.stop();
      await server.stop();
    }
  },
};
