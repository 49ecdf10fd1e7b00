import type { Redis } from 'ioredis';
import { makeKeys } from '../../src/shared/keys.js';
import { createTurnStore } from '../../src/store/turn-store.js';
import { readCost, turnCost, type TurnCost } from './cost.js';
import { deletePrefix, uniquePrefix } from './redis-ns.js';
import { chatbatchIngest } from './workers.js';
import { workloadCsv, type Workload } from './workload.js';

/** A reply like the simulator's, so the stored result has its usual size. */
const RESPONSE = [{ type: 'text', text: 'Thanks for reaching out! Your order is on its way.' }];

/**
 * What the durable record alone costs per turn: a batch is ingested, then every first turn is
 * recorded as a worker records it (the turn store's batched call, 50 in flight, fast-path
 * origin), with nothing else running. "Worker" CPU is this process's. The part of chatbatch's
 * overhead that keeps "a recorded turn is never sent again" and results that outlive the jobs.
 */
export async function measureRecordCost(
  redis: Redis,
  o: { conversations: number; tmpDir: string; redisPid: number | undefined },
): Promise<TurnCost> {
  const prefix = uniquePrefix('record-cost');
  const workload: Workload = { tag: 'record-cost', conversations: o.conversations, turns: 1 };
  try {
    await chatbatchIngest(await workloadCsv(o.tmpDir, workload), 'run', { prefix });
    const store = createTurnStore({ redis, keys: makeKeys(prefix), retentionSeconds: 86_400 });
    const meter = { redisPid: o.redisPid, workerPids: [process.pid] };
    const before = await readCost(redis, meter);
    for (let first = 1; first <= o.conversations; first += 50) {
      const last = Math.min(first + 49, o.conversations);
      const wave: Promise<unknown>[] = [];
      for (let i = first; i <= last; i++) {
        const completedAt = Date.now();
        wave.push(
          store.record(
            'run',
            `line-${i + 1}`,
            1,
            {
              outcome: 'completed',
              chatId: `chat-${i}`,
              chatStatus: 'in-progress',
              previousChatId: null,
              response: RESPONSE,
              error: null,
              completedAt,
            },
            { fast: true },
          ),
        );
      }
      const results = (await Promise.all(wave)) as { kind: string }[];
      const unexpected = results.find((r) => r.kind !== 'finished');
      if (unexpected) throw new Error(`record cost: a record answered ${unexpected.kind}`);
    }
    const after = await readCost(redis, meter);
    return turnCost(before, after, o.conversations);
  } finally {
    await deletePrefix(redis, prefix);
  }
}
