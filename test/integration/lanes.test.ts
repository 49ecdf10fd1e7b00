import { afterEach, describe, expect, it } from 'vitest';
import { createBatchControl } from '../../src/producer/batch-control.js';
import type { IngestOptions } from '../../src/producer/ingest.js';
import { checkChains } from '../helpers/chain-check.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

/**
 * The fair lanes, read from the simulator's request log: each input starts with its batch's
 * tag, so the log says which batch every request served. Margins are loose on purpose: the
 * shares only have to show the scheduling, on a loaded machine.
 */
let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

function csv(tag: string, conversations: number, turns = 1): string {
  const lines = ['conversation_id,agent_id,input'];
  for (let t = 1; t <= turns; t++)
    for (let c = 0; c < conversations; c++) lines.push(`${tag}${c},agent-1,${tag} ${c} turn ${t}`);
  return `${lines.join('\n')}\n`;
}

const tagOf = (input: string | undefined) => (input ?? '').split(' ')[0]!;

/** Requests served per batch tag, in arrival order. */
const served = (p: Pipeline) =>
  p.simulator.log
    .filter((e) => e.status === 200)
    .map((e) => ({ tag: tagOf(e.input), at: e.receivedAt }));

async function ingest(
  p: Pipeline,
  tag: string,
  count: number,
  options: Partial<IngestOptions> = {},
) {
  await p.ingestCsv(csv(tag, count), tag, options);
  return Date.now();
}

describe('fair lanes', () => {
  it('interleaves a late normal batch with a running campaign, puts high first and never starves low', async () => {
    pipeline = await createPipeline({
      label: 'lanes',
      worker: false,
      simulator: { latencyMs: 20 },
      env: { CHATBATCH_RATE_LIMIT: '200' },
    });
    const p = pipeline;
    await ingest(p, 'A', 3000);
    await p.startWorker({ CHATBATCH_CONCURRENCY: '50' });
    await new Promise((r) => setTimeout(r, 2000));
    const [lateAt, highAt] = await Promise.all([
      ingest(p, 'B', 200),
      ingest(p, 'H', 100, { priority: 'high' }),
      ingest(p, 'L', 100, { priority: 'low' }),
    ]);
    await p.waitSettled('H', 30_000);
    await p.waitSettled('B', 30_000);
    // Three more seconds of the campaign alone with the low batch.
    await new Promise((r) => setTimeout(r, 3000));
    const log = served(p);

    const last = (tag: string) => Math.max(...log.filter((e) => e.tag === tag).map((e) => e.at));
    const first = (tag: string) => Math.min(...log.filter((e) => e.tag === tag).map((e) => e.at));
    // The high batch goes before everything (100 at 200/s: half a second).
    expect(last('H') - highAt).toBeLessThan(6000);
    const duringHigh = log.filter((e) => e.at >= first('H') && e.at <= last('H'));
    expect(duringHigh.filter((e) => e.tag === 'H').length / duringHigh.length).toBeGreaterThan(0.7);
    // The late normal batch shares with the campaign instead of waiting behind its 3,000.
    expect(last('B') - lateAt).toBeLessThan(12_000);
    const duringLate = log.filter(
      (e) => e.at > last('H') && e.at <= last('B') && (e.tag === 'A' || e.tag === 'B'),
    );
    const lateShare = duringLate.filter((e) => e.tag === 'B').length / duringLate.length;
    expect(lateShare).toBeGreaterThan(0.3);
    expect(lateShare).toBeLessThan(0.75);
    // Low makes progress next to the campaign, at a small share (1/21 with one normal batch).
    const afterwards = log.filter((e) => e.at > last('B'));
    const low = afterwards.filter((e) => e.tag === 'L').length;
    expect(low).toBeGreaterThan(0);
    expect(low / afterwards.length).toBeLessThan(0.25);
    expect(afterwards.filter((e) => e.tag === 'A').length).toBeGreaterThan(low);

    const status = await p.producer.batchStore.status('H');
    expect(status).toMatchObject({ priority: 'high', weight: 1 });
    const control = createBatchControl({
      batchStore: p.producer.batchStore,
      maintenance: p.producer.maintenance,
      turnQueue: () => p.producer.turnQueue,
    });
    await control.run('cancel', 'A');
    await control.run('cancel', 'L');
  });

  it('shares a lane in proportion to the weights, and keeps chains in order', async () => {
    pipeline = await createPipeline({
      label: 'lanes-w',
      worker: false,
      simulator: { latencyMs: 10 },
      env: { CHATBATCH_RATE_LIMIT: '300' },
    });
    const p = pipeline;
    await p.ingestCsv(csv('W3', 600, 2), 'W3', { weight: 3 });
    await p.ingestCsv(csv('W1', 600, 2), 'W1', { weight: 1 });
    await p.startWorker({ CHATBATCH_CONCURRENCY: '30' });
    await new Promise((r) => setTimeout(r, 4000));
    // First turns only: a conversation's later turn follows its first at once (the chain).
    const firsts = p.simulator.log
      .filter((e) => e.status === 200 && / turn 1$/.test(e.input ?? ''))
      .map((e) => tagOf(e.input));
    expect(firsts.length).toBeGreaterThan(200);
    const window = firsts.slice(0, 400);
    const heavy = window.filter((t) => t === 'W3').length / window.length;
    expect(heavy).toBeGreaterThan(0.65);
    expect(heavy).toBeLessThan(0.85);
    for (const batchId of ['W3', 'W1']) await p.waitSettled(batchId, 60_000);
    for (const batchId of ['W3', 'W1'])
      expect(checkChains(await p.results(batchId), p.simulator.log).violations).toEqual([]);
  });
});
