import { describe, expect, it } from 'vitest';
import { countByLabel, labelOf, shareOf } from '../../bench/lib/batch-share.js';
import {
  cpuThroughputMetric,
  formatCalls,
  formatExtraCalls,
  formatRedisTime,
  medianCost,
  turnCost,
  type CostReading,
} from '../../bench/lib/cost.js';
import { alternating } from '../../bench/lib/interleave.js';
import { halves } from '../../bench/lib/million-halves.js';
import type { MillionSample } from '../../bench/lib/million-run.js';
import { requestSpan } from '../../bench/lib/request-span.js';
import { downsample, fitChange, linearFit } from '../../bench/lib/series.js';
import type { SimLog } from '../../bench/lib/sim-protocol.js';
import { alignColumns } from '../../bench/lib/table.js';
import { csvHeader, recipientOf, requestOf, suppressedId } from '../../bench/lib/workload.js';

/** The measuring instrument of `npm run bench` (bench/): its newer pure parts. */
describe('cost per turn', () => {
  const before: CostReading = {
    workerCpuS: 10,
    redisCpuS: 4,
    calls: new Map([
      ['evalsha', 100],
      ['hget', 50],
    ]),
    usec: new Map([
      ['evalsha', 1000],
      ['hget', 100],
    ]),
  };
  const after: CostReading = {
    workerCpuS: 10.2,
    redisCpuS: 4.05,
    calls: new Map([
      ['evalsha', 2100],
      ['hget', 3050],
      ['xadd', 1000],
    ]),
    usec: new Map([
      ['evalsha', 41_000],
      ['hget', 3100],
      ['xadd', 500],
    ]),
  };

  it('divides CPU and every command’s calls by the turns, new commands included', () => {
    const c = turnCost(before, after, 1000);
    expect(c.workerCpuUs).toBeCloseTo(200, 6);
    expect(c.redisCpuUs).toBeCloseTo(50, 6);
    expect(c.totalCpuUs).toBeCloseTo(250, 6);
    expect(c.callsPerTurn).toEqual({ hget: 3, evalsha: 2, xadd: 1 });
    expect(c.callsPerTurnTotal).toBe(6);
    expect(formatCalls(c, 2)).toBe('6 calls/turn: hget 3, evalsha 2 (+1 more)');
    expect(c.usecPerTurn).toEqual({ evalsha: 40, hget: 3, xadd: 0.5 });
    expect(formatRedisTime(c, 2)).toBe('evalsha 40 µs, hget 3 µs (+1 more)');
  });

  it('shows where one side makes more calls than the other, largest first', () => {
    const cost = (calls: Record<string, number>) => ({
      workerCpuUs: 0,
      redisCpuUs: 0,
      totalCpuUs: 0,
      callsPerTurn: calls,
      callsPerTurnTotal: Object.values(calls).reduce((x, y) => x + y, 0),
      usecPerTurn: {},
    });
    const a = cost({ hset: 3, hmget: 5, del: 2, get: 2 });
    const b = cost({ hmget: 2, del: 2, zadd: 1 });
    expect(formatExtraCalls(a, b)).toBe('+7 calls/turn: hset +3, hmget +3, get +2');
    expect(formatExtraCalls(b, a, 1)).toBe('-7 calls/turn: zadd +1');
  });

  it('turns CPU per turn into turns per CPU-second and judges the ratio', () => {
    const cost = (totalCpuUs: number) => ({
      workerCpuUs: totalCpuUs / 2,
      redisCpuUs: totalCpuUs / 2,
      totalCpuUs,
      callsPerTurn: {},
      callsPerTurnTotal: 0,
      usecPerTurn: {},
    });
    const m = cpuThroughputMetric(cost(400), cost(380), { metric: 'x', target: 0.97 });
    expect(m.chatbatch).toBe(2500);
    expect(m.ratio).toBeCloseTo(0.95, 9);
    expect(m.met).toBe(false);
    expect(cpuThroughputMetric(cost(390), cost(380), { metric: 'x', target: 0.97 }).met).toBe(true);
    // Without a target it is reported, not judged.
    expect(cpuThroughputMetric(cost(390), cost(380), { metric: 'x' })).toMatchObject({
      target: null,
      met: null,
    });
  });

  it('takes medians figure by figure, a command missing from a run counting 0', () => {
    const run = (cpu: number, calls: Record<string, number>) => ({
      workerCpuUs: cpu,
      redisCpuUs: cpu / 2,
      totalCpuUs: cpu * 1.5,
      callsPerTurn: calls,
      callsPerTurnTotal: Object.values(calls).reduce((a, b) => a + b, 0),
      usecPerTurn: Object.fromEntries(Object.entries(calls).map(([k, n]) => [k, n * 2])),
    });
    const m = medianCost([
      run(100, { get: 1, set: 3 }),
      run(300, { get: 2 }),
      run(200, { get: 4 }),
    ]);
    expect(m.workerCpuUs).toBe(200);
    expect(m.redisCpuUs).toBe(100);
    expect(m.callsPerTurn).toEqual({ get: 2, set: 0 });
    expect(m.callsPerTurnTotal).toBe(4);
    expect(m.usecPerTurn).toEqual({ get: 4, set: 0 });
  });
});

describe('request span from the simulator log', () => {
  it('counts first to last arrival plus one latency, so a perfect run is exactly ideal', () => {
    // 1,000 turns through 100 slots at 200 ms: ten waves, the last starting 1.8 s after the first.
    const receivedAt = Array.from({ length: 1000 }, (_, i) => 5_000 + Math.floor(i / 100) * 200);
    const s = requestSpan(receivedAt.reverse(), { turns: 1000, latencyMs: 200 });
    expect(s.firstAt).toBe(5_000);
    expect(s.spanMs).toBe(1_800);
    expect(s.seconds).toBe(2);
    expect(s.turnsPerSec).toBe(500); // = 100 / 0.2 s
  });

  it('refuses an empty log rather than dividing by nothing', () => {
    expect(() => requestSpan([], { turns: 1, latencyMs: 0 })).toThrow(/no request/);
  });
});

describe('alternating variants', () => {
  it('rotates the order every round, each variant run `runs` times', async () => {
    const order: string[] = [];
    const results = await alternating(3, ['a', 'b', 'c'] as const, async (v, run) => {
      order.push(v);
      return `${v}${run}`;
    });
    expect(order).toEqual(['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
    expect(results).toEqual({
      a: ['a0', 'a1', 'a2'],
      b: ['b0', 'b1', 'b2'],
      c: ['c0', 'c1', 'c2'],
    });
  });
});

describe('batch shares from labelled inputs', () => {
  const log: SimLog = {
    receivedAt: [0, 10, 20, 30, 40, 50, 60],
    status: [200, 200, 200, 200, 200, 200, 200],
    chatId: [null, null, null, null, null, null, null],
    previousChatId: [null, null, null, null, null, null, null],
    input: ['[w3] Hi', '[w3] Hi', '[w1] Hi', '[w3] Hi', 'no label', '[w1] Hi', '[w3] Hi'],
    sentAt: new Map(),
    arrivedAt: new Map(),
  };

  it('reads the label only from a leading [label] and a space', () => {
    expect(labelOf('[n400] Hi this is customer 1')).toBe('n400');
    expect(labelOf('Hi [n400] x')).toBeUndefined();
    expect(labelOf('[] x')).toBeUndefined();
    expect(labelOf(null)).toBeUndefined();
    expect(requestOf(7, 1, 'h300').input.startsWith('[h300] ')).toBe(true);
  });

  it('counts per label in a half-open window and finds the last arrival', () => {
    const all = countByLabel(log);
    expect(all.counts).toEqual(
      new Map([
        ['w3', 4],
        ['w1', 2],
      ]),
    );
    expect(all.total).toBe(7);
    expect(all.lastAt.get('w1')).toBe(50);
    expect(shareOf(all, 'w3', ['w3', 'w1'])).toBeCloseTo(4 / 6, 9);
    const window = countByLabel(log, 10, 50);
    expect(window.counts.get('w3')).toBe(2); // 10 and 30; 50 is outside
    expect(window.total).toBe(4);
    expect(Number.isNaN(shareOf(countByLabel(log, 100), 'w3', ['w3']))).toBe(true);
  });
});

describe('series over time', () => {
  it('fits a line and expresses its rise over the range relative to the mean', () => {
    const rising = [0, 10, 20, 30].map((x) => ({ x, y: 100 + x }));
    expect(linearFit(rising).slope).toBeCloseTo(1, 9);
    expect(fitChange(rising)).toBeCloseTo(30 / 115, 9);
    expect(fitChange([1, 2, 3].map((x) => ({ x, y: 50 })))).toBe(0);
  });

  it('downsamples keeping the first and the last', () => {
    expect(downsample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4)).toEqual([1, 4, 7, 10]);
    expect(downsample([1, 2], 4)).toEqual([1, 2]);
  });

  it('compares the halves of a run and finds a worker whose memory keeps growing', () => {
    const samples: MillionSample[] = Array.from({ length: 10 }, (_, i) => ({
      t: (i + 1) * 10,
      finished: (i + 1) * 1000,
      turnsPerSec: 100,
      workerRssMB: [200, 200 + i * 20],
      usedMemoryMB: 0,
      bytesPerFinished: 2000 - i * 10,
      backlog: 0,
      workerCpuUs: i < 5 ? 100 : 120,
      redisCpuUs: 50,
      ownCores: 1.5,
      machineBusyCores: 2,
    }));
    // The last sample (the drain) is left out: halves of 10…90 s, four samples and five.
    samples[9]!.turnsPerSec = 5;
    const h = halves({ samples });
    expect(h.turnsPerSec.first).toBe(100);
    expect(h.turnsPerSec.second).toBe(100);
    expect(h.turnsPerSecMedian).toEqual({ first: 100, second: 100 });
    // Second half: one interval at 150 µs per turn, four at 170, 1,000 turns each.
    expect(h.cpuUsPerTurn).toEqual({ first: 150, second: 166 });
    expect(h.turnsPerSecTrend).toBe(0);
    expect(h.rssTrend[0]).toBe(0);
    // Second half: 280, 300 … 360 MB, mean 320: the trend rises 80 MB = 25%.
    expect(h.rssTrend[1]).toBeCloseTo(80 / 320, 9);
    expect(h.rssMB[1]).toMatchObject({ firstMax: 260, secondMax: 360 });
    expect(h.bytesPerFinished).toEqual({ endOfFirst: 1970, end: 1910 });
  });
});

describe('workload and table', () => {
  it('gives recipients and suppressed ids that never meet, and a recipient_id column', () => {
    expect(recipientOf(42)).toBe('+15550000042');
    expect(suppressedId(42)).toBe('+16660000042');
    expect(csvHeader({ tag: 'x', conversations: 1, turns: 1, recipients: true })).toBe(
      'agent_id,input,customer_name,recipient_id',
    );
    expect(csvHeader({ tag: 'x', conversations: 1, turns: 2 })).toBe(
      'conversation_id,agent_id,input,customer_name',
    );
  });

  it('aligns columns, numbers to the right', () => {
    expect(
      alignColumns([
        ['t', 'name'],
        ['10', 'a'],
        ['1,000', 'bb'],
      ]),
    ).toBe(['t      name', '   10  a', '1,000  bb'].join('\n'));
  });
});
