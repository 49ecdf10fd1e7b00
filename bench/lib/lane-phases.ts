/**
 * The phases of the fair-lanes scenario (issue 13), each on a fresh prefix with its own worker
 * fleet sharing one global rate limit, judged from the simulator's request log (every batch's
 * inputs carry its label: workload.ts) and from the batches' finishedAt in the store.
 */
import type { Queue } from 'bullmq';
import { makeKeys } from '../../src/shared/keys.js';
import { countByLabel, shareOf } from './batch-share.js';
import type { NodeChild } from './proc.js';
import { deletePrefix, openQueue, uniquePrefix } from './redis-ns.js';
import type { ScenarioContext } from './scenario.js';
import type { SimProcess } from './sim.js';
import { chatbatchIngest, startWorker } from './workers.js';
import { workloadCsv } from './workload.js';

export const LANES_LIMIT = 200;
const WORKERS = 2;
const CONCURRENCY = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Fleet {
  prefix: string;
  queue: Queue;
}

/** Runs `fn` with a fresh prefix and WORKERS chatbatch workers sharing the limit; cleans up. */
async function withFleet<T>(
  ctx: ScenarioContext,
  sim: SimProcess,
  label: string,
  fn: (fleet: Fleet) => Promise<T>,
): Promise<T> {
  const prefix = uniquePrefix(label);
  const queue = openQueue(ctx.redis, prefix);
  let workers: NodeChild[] = [];
  try {
    workers = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) =>
        startWorker('chatbatch', {
          prefix,
          simUrl: sim.url,
          concurrency: CONCURRENCY,
          rateLimit: LANES_LIMIT,
          name: `${label} worker ${i + 1}`,
        }),
      ),
    );
    return await fn({ prefix, queue });
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await queue.close();
    await deletePrefix(ctx.redis, prefix);
  }
}

interface Ingested {
  batchId: string;
  /** Epoch ms when `chatbatch ingest` was started and when it returned. */
  startedAt: number;
  endedAt: number;
}

/** `chatbatch ingest` of `conversations` single-turn conversations labelled `label`. */
async function ingestBatch(
  ctx: ScenarioContext,
  prefix: string,
  o: { label: string; conversations: number; batchId: string; args?: string[] },
): Promise<Ingested> {
  const csv = await workloadCsv(ctx.tmpDir, {
    tag: 'lanes',
    conversations: o.conversations,
    turns: 1,
    label: o.label,
  });
  const startedAt = Date.now();
  const { report } = await chatbatchIngest(csv, o.batchId, { prefix, args: o.args });
  if (report.accepted !== o.conversations)
    throw new Error(`${o.batchId}: ${report.accepted} accepted, expected ${o.conversations}`);
  return { batchId: o.batchId, startedAt, endedAt: Date.now() };
}

/** Waits until every batch has its finishedAt (epoch ms), polling every 50 ms. */
async function waitFinished(
  ctx: ScenarioContext,
  prefix: string,
  batchIds: readonly string[],
  timeoutMs: number,
): Promise<Map<string, number>> {
  const keys = makeKeys(prefix);
  const done = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (done.size < batchIds.length) {
    for (const id of batchIds) {
      if (done.has(id)) continue;
      const at = await ctx.redis.hget(keys.batch(id), 'finishedAt');
      if (at) done.set(id, Number(at));
    }
    if (done.size === batchIds.length) break;
    if (Date.now() > deadline)
      throw new Error(`lanes: ${batchIds.filter((id) => !done.has(id)).join(', ')} not finished`);
    await sleep(50);
  }
  return done;
}

/** The label of a campaign's inputs in the simulator's log. */
const CAMPAIGN_LABEL = 'camp';

/**
 * Starts a normal `conversations`-conversation campaign on a fresh simulator log and returns
 * `afterMs` after its ingest began: the moment the batches that compete with it arrive.
 */
async function startCampaignAndWait(
  ctx: ScenarioContext,
  sim: SimProcess,
  prefix: string,
  conversations: number,
  afterMs: number,
): Promise<void> {
  await sim.reset();
  const campaign = await ingestBatch(ctx, prefix, {
    label: CAMPAIGN_LABEL,
    conversations,
    batchId: 'campaign',
  });
  await sleep(campaign.startedAt + afterMs - Date.now());
}

export interface FairShareResult {
  campaign: number;
  /** Requests per second before the others arrived (the limit, if the fleet keeps up). */
  campaignRatePerSec: number;
  normal: BatchTiming;
  high: BatchTiming;
}

export interface BatchTiming {
  conversations: number;
  /** Ingest start → the batch's finishedAt, in s. */
  finishedAfterIngestS: number;
  /** Ingest end (all queued) → finishedAt, in s. */
  finishedAfterQueuedS: number;
  /** Ingest start → its last request's arrival at the simulator, in s. */
  lastRequestAfterIngestS: number;
  ingestSeconds: number;
}

/**
 * A `campaign`-conversation campaign runs at the limit; `delayMs` after its ingest began, a
 * 400-conversation normal batch and a 300-conversation high batch are ingested at once; how long
 * until each has finished?
 */
export function fairSharePhase(
  ctx: ScenarioContext,
  sim: SimProcess,
  o: { campaign: number; delayMs: number },
): Promise<FairShareResult> {
  return withFleet(ctx, sim, 'lanes-fair', async ({ prefix }) => {
    await startCampaignAndWait(ctx, sim, prefix, o.campaign, o.delayMs);
    const [normal, high] = await Promise.all([
      ingestBatch(ctx, prefix, { label: 'n400', conversations: 400, batchId: 'normal-400' }),
      ingestBatch(ctx, prefix, {
        label: 'h300',
        conversations: 300,
        batchId: 'high-300',
        args: ['--priority', 'high'],
      }),
    ]);
    const finished = await waitFinished(ctx, prefix, ['normal-400', 'high-300'], 120_000);
    const log = await sim.log();
    const all = countByLabel(log);
    const arrivalsAt = Math.min(normal.startedAt, high.startedAt);
    // The 5 s before the others arrived: the campaign alone, past its ramp-up.
    const alone = countByLabel(log, arrivalsAt - 5000, arrivalsAt);
    const timing = (b: Ingested, label: string, conversations: number): BatchTiming => {
      const seen = all.counts.get(label) ?? 0;
      if (seen !== conversations)
        throw new Error(`${label}: ${seen} requests seen, expected ${conversations}`);
      return {
        conversations,
        finishedAfterIngestS: (finished.get(b.batchId)! - b.startedAt) / 1000,
        finishedAfterQueuedS: (finished.get(b.batchId)! - b.endedAt) / 1000,
        lastRequestAfterIngestS: (all.lastAt.get(label)! - b.startedAt) / 1000,
        ingestSeconds: (b.endedAt - b.startedAt) / 1000,
      };
    };
    return {
      campaign: o.campaign,
      campaignRatePerSec: (alone.counts.get(CAMPAIGN_LABEL) ?? 0) / 5,
      normal: timing(normal, 'n400', 400),
      high: timing(high, 'h300', 300),
    };
  });
}

export interface WeightsResult {
  seconds: number;
  heavy: number;
  light: number;
  /** The weight-3 batch's share of the two batches' requests. */
  heavyShare: number;
  ratePerSec: number;
}

/**
 * Two batches, weights 3 and 1, each big enough to take the whole limit alone, queued together
 * (paused) and resumed; their requests counted over `seconds`.
 */
export function weightsPhase(
  ctx: ScenarioContext,
  sim: SimProcess,
  o: { seconds: number },
): Promise<WeightsResult> {
  return withFleet(ctx, sim, 'lanes-weights', async ({ prefix, queue }) => {
    const size = LANES_LIMIT * o.seconds;
    await queue.pause();
    const w3 = { label: 'w3', conversations: size, batchId: 'weight-3', args: ['--weight', '3'] };
    await ingestBatch(ctx, prefix, w3);
    await ingestBatch(ctx, prefix, { ...w3, label: 'w1', batchId: 'weight-1', args: [] });
    await sim.reset();
    const startedAt = Date.now();
    await queue.resume();
    await sleep(o.seconds * 1000 + 300);
    const c = countByLabel(await sim.log(), startedAt, startedAt + o.seconds * 1000);
    return {
      seconds: o.seconds,
      heavy: c.counts.get('w3') ?? 0,
      light: c.counts.get('w1') ?? 0,
      heavyShare: shareOf(c, 'w3', ['w3', 'w1']),
      ratePerSec: c.total / o.seconds,
    };
  });
}

export interface LowLaneResult {
  seconds: number;
  low: number;
  campaign: number;
  /** The low batch's share of the requests while both waited. */
  lowShare: number;
}

/**
 * A normal campaign runs at the limit; `leadMs` later a low batch is ingested; its share of the
 * requests over the next `seconds` (the design gives it 1/20 of a weight-1 batch: 1/21 here).
 */
export function lowLanePhase(
  ctx: ScenarioContext,
  sim: SimProcess,
  o: { campaign: number; leadMs: number; seconds: number; low: number },
): Promise<LowLaneResult> {
  return withFleet(ctx, sim, 'lanes-low', async ({ prefix }) => {
    await startCampaignAndWait(ctx, sim, prefix, o.campaign, o.leadMs);
    const low = await ingestBatch(ctx, prefix, {
      label: 'low',
      conversations: o.low,
      batchId: 'low',
      args: ['--priority', 'low'],
    });
    await sleep(o.seconds * 1000 + 300);
    const c = countByLabel(await sim.log(), low.endedAt, low.endedAt + o.seconds * 1000);
    return {
      seconds: o.seconds,
      low: c.counts.get('low') ?? 0,
      campaign: c.counts.get(CAMPAIGN_LABEL) ?? 0,
      lowShare: shareOf(c, 'low', ['low', CAMPAIGN_LABEL]),
    };
  });
}
