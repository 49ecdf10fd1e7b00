import {
  cpuMetrics,
  formatCalls,
  formatExtraCalls,
  formatRedisTime,
  medianCost,
} from '../lib/cost.js';
import { summariseProfile, formatProfile } from '../lib/cpuprofile.js';
import { interleaved } from '../lib/interleave.js';
import { listProfiles } from '../lib/profiles.js';
import { metric, type Scenario } from '../lib/scenario.js';
import { startSimulator } from '../lib/sim.js';
import { median } from '../lib/stats.js';
import { measureWorkerRun, type RunSpec } from '../lib/worker-run.js';
import { measureRecordCost } from '../lib/record-cost.js';

const CONCURRENCY = 50;
/** Issue 18: worker + Redis CPU per turn at most this many times the baseline's. */
const CPU_TARGET = 1.15;

/** 1. What chatbatch's per-turn work costs when the vendor answers at once. */
export const overhead: Scenario = {
  id: 'overhead',
  title: '1. Overhead: single-turn, no latency, 1 worker × concurrency 50',
  async run(ctx) {
    const conversations = ctx.quick ? 5_000 : 20_000;
    const sim = await startSimulator({ latencyMs: 0 });
    try {
      const spec = (impl: RunSpec['impl'], cpuProfDir?: string): RunSpec => ({
        impl,
        label: 'overhead',
        sim,
        concurrency: CONCURRENCY,
        warmup: { tag: 'warm', conversations: ctx.quick ? 1_000 : 2_000, turns: 1 },
        workload: { tag: 'overhead', conversations, turns: 1 },
        tmpDir: ctx.tmpDir,
        timeoutMs: 120_000,
        cpuProfDir,
        redisPid: ctx.redisPid,
      });
      const runs = await interleaved(ctx.runs, async (impl, run) => {
        const r = await measureWorkerRun(ctx.redis, spec(impl));
        ctx.log(
          `overhead run ${run + 1} ${impl}: ${r.turnsPerSec.toFixed(0)} turns/s (${r.seconds.toFixed(2)} s), ` +
            `CPU per turn: worker ${r.cost.workerCpuUs.toFixed(0)} µs + Redis ${r.cost.redisCpuUs.toFixed(0)} µs, ` +
            `${r.cost.callsPerTurnTotal.toFixed(1)} Redis calls`,
        );
        return {
          turnsPerSec: r.turnsPerSec,
          seconds: r.seconds,
          workerCpuUsPerTurn: r.workerCpuUsPerTurn,
          cost: r.cost,
        };
      });
      const c = median(runs.chatbatch.map((r) => r.turnsPerSec));
      const b = median(runs.baseline.map((r) => r.turnsPerSec));
      const cCost = medianCost(runs.chatbatch.map((r) => r.cost));
      const bCost = medianCost(runs.baseline.map((r) => r.cost));
      const details: Record<string, unknown> = { conversations, concurrency: CONCURRENCY, runs };
      const notes = [
        `${conversations} single-turn conversations per run, warm-up batch first in the same worker process, ` +
          `${ctx.runs} run(s) per implementation alternating order, median shown. Worker CPU per turn ` +
          `(/proc/<pid>/stat user + system over the measured part) is the load-independent view of the same cost; ` +
          `Redis CPU likewise from the redis-server's /proc/<pid>/stat (the suite's own server: nobody else's load).`,
        `Redis calls per turn (INFO commandstats delta over the measured part ÷ turns; an EVALSHA and ` +
          `every command its script runs each count; the bench's own drain poll every 20 ms is included in both): ` +
          `chatbatch ${formatCalls(cCost)}; baseline ${formatCalls(bCost)}; chatbatch's extra: ` +
          `${formatExtraCalls(cCost, bCost)}.`,
        `Redis time per turn by command (INFO commandstats usec; an EVALSHA's includes its script's commands): ` +
          `chatbatch ${formatRedisTime(cCost)}; baseline ${formatRedisTime(bCost)}.`,
      ];

      // The durable record alone (the turn store's batched record call, nothing else running):
      // the part of the overhead that the never-resend guarantee and lasting results cost.
      const record = await measureRecordCost(ctx.redis, {
        conversations,
        tmpDir: ctx.tmpDir,
        redisPid: ctx.redisPid,
      });
      details.recordAlone = record;
      const floor = (bCost.totalCpuUs + record.totalCpuUs) / bCost.totalCpuUs;
      ctx.log(
        `overhead: the record step alone: worker ${record.workerCpuUs.toFixed(1)} µs + Redis ` +
          `${record.redisCpuUs.toFixed(1)} µs per turn`,
      );
      notes.push(
        `The record step alone (${conversations} first turns recorded through the turn store's batched call, ` +
          `50 in flight, nothing else running): ${record.workerCpuUs.toFixed(1)} µs of the recording ` +
          `process + ${record.redisCpuUs.toFixed(1)} µs of Redis per turn, ${formatCalls(record)}. ` +
          `The baseline's whole turn plus only this would be ${floor.toFixed(2)}× the baseline's CPU per turn.`,
      );

      if (ctx.profileDir) {
        // Extra, unmeasured runs of both under --cpu-prof: the difference is chatbatch's overhead.
        const profiles: Record<string, unknown> = {};
        for (const impl of ['chatbatch', 'baseline'] as const) {
          const before = await listProfiles(ctx.profileDir);
          await measureWorkerRun(ctx.redis, spec(impl, ctx.profileDir));
          const file = (await listProfiles(ctx.profileDir)).find((f) => !before.includes(f));
          if (!file) continue;
          const summary = await summariseProfile(file);
          for (const line of formatProfile(summary)) ctx.log(`${impl} ${line}`);
          profiles[impl] = summary;
          notes.push(`CPU profile of an extra (unmeasured) ${impl} run: ${summary.file}`);
        }
        details.profiles = profiles;
      }

      return {
        metrics: [
          metric({
            metric: 'throughput',
            unit: 'turns/s',
            chatbatch: c,
            baseline: b,
            target: '≥ 0.9× baseline',
            met: c / b >= 0.9,
          }),
          ...cpuMetrics(cCost, bCost, { totalTarget: CPU_TARGET }),
          metric({
            metric: 'Redis calls per turn',
            unit: 'calls',
            chatbatch: cCost.callsPerTurnTotal,
            baseline: bCost.callsPerTurnTotal,
          }),
          metric({
            metric: 'the record step alone: CPU per turn (worker + Redis)',
            unit: 'µs',
            chatbatch: record.totalCpuUs,
            baseline: null,
          }),
        ],
        notes,
        details,
      };
    } finally {
      await sim.stop();
    }
  },
};
