import { afterEach, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { openServices, type Services } from '../../src/services.js';
import type { BeginTurn, TurnStore } from '../../src/store/turn-store.js';
import { startWorker, type RunningWorker } from '../../src/worker/start-worker.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

/**
 * Property: no request ever reaches a recipient who was on the suppression list before that
 * turn began. Checked with a logical clock (a counter every event takes a tick of): a begin takes
 * its tick before it asks the store, a list change its tick after Redis acknowledged it. A change
 * acknowledged before a begin's tick had taken effect when the begin's script ran.
 */
let pipeline: Pipeline | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await pipeline?.close();
  pipeline = undefined;
});

interface ListChange {
  recipient: string;
  suppress: boolean;
  startTick: number;
  endTick: number;
}

interface BeginEvent {
  tick: number;
  batchId: string;
  conversationId: string;
  turn: number;
  result: BeginTurn;
}

const LIST_SIZE = 100_000;
const POOL = 200;
const CONVERSATIONS = 400;

it('never sends to a recipient suppressed before the turn began (random list changes during a run)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(POOL - 1), fc.boolean()), { minLength: 60, maxLength: 120 }),
      fc.array(fc.nat(POOL - 1), { minLength: CONVERSATIONS, maxLength: CONVERSATIONS }),
      fc.uniqueArray(fc.nat(POOL - 1), { minLength: 20, maxLength: 40 }),
      async (changes, conversationRecipients, initiallySuppressed) => {
        await pipeline?.close();
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
        pipeline = await createPipeline({
          label: 'rules-prop',
          worker: false,
          simulator: { latencyMs: 3 },
        });
        const p = pipeline;
        const recipient = (i: number) => `p${i}`;
        // A big list: 100k random recipients, with some of the pool among them.
        const others = Array.from(
          { length: LIST_SIZE },
          (_, i) => `dnc-${i}-${(i * 7919) % 104729}`,
        );
        await p.producer.suppressions.add(others, { source: 'import' });
        await p.producer.suppressions.add(initiallySuppressed.map(recipient), { source: 'import' });

        const csv = ['conversation_id,recipient_id,agent_id,input'];
        conversationRecipients.forEach((r, i) => {
          csv.push(`c${i},${recipient(r)},agent-1,first for ${recipient(r)}`);
          csv.push(`c${i},,,second for ${recipient(r)}`);
        });
        await p.ingestCsv(`${csv.join('\n')}\n`, 'prop');
        const recipientOf = new Map<string, string>(
          conversationRecipients.map((r, i) => [`c${i}`, recipient(r)]),
        );

        let clock = 0;
        const begins: BeginEvent[] = [];
        const services: Services = await openServices(
          loadConfig({ ...p.env, CHATBATCH_CONCURRENCY: '10' }),
          'worker',
        );
        const observed: TurnStore = {
          ...services.turnStore,
          async begin(batchId, conversationId, turn, now, leaseMs) {
            const tick = ++clock;
            const result = await services.turnStore.begin(
              batchId,
              conversationId,
              turn,
              now,
              leaseMs,
            );
            begins.push({ tick, batchId, conversationId, turn, result });
            return result;
          },
        };
        const worker: RunningWorker = await startWorker({
          services: { ...services, turnStore: observed },
          logger: createLogger('silent'),
          serveMetrics: false,
        });
        cleanups.push(async () => {
          await worker.close();
          await services.close();
        });

        // List changes, one at a time, while the worker runs.
        const applied: ListChange[] = [];
        for (const [r, suppress] of changes) {
          const startTick = ++clock;
          if (suppress) await p.producer.suppressions.add([recipient(r)], { source: 'manual' });
          else await p.producer.suppressions.remove([recipient(r)]);
          applied.push({ recipient: recipient(r), suppress, startTick, endTick: ++clock });
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        await p.waitSettled('prop', 60_000);

        const initially = new Set(initiallySuppressed.map(recipient));
        let checked = 0;
        for (const begin of begins) {
          if (begin.result.kind !== 'send') continue;
          const who = recipientOf.get(begin.conversationId)!;
          const mine = applied.filter((c) => c.recipient === who);
          // A change in flight when the turn began: either outcome is right.
          if (mine.some((c) => c.startTick < begin.tick && c.endTick > begin.tick)) continue;
          const before = mine.filter((c) => c.endTick < begin.tick).at(-1);
          const suppressed = before ? before.suppress : initially.has(who);
          expect(
            suppressed,
            `${who} was suppressed when ${begin.conversationId} turn ${begin.turn} began`,
          ).toBe(false);
          checked++;
        }
        expect(checked).toBeGreaterThan(0);
        // And every request the vendor got was one the store allowed.
        const sent = begins.filter((b) => b.result.kind === 'send').length;
        expect(p.simulator.log.length).toBe(sent);
      },
    ),
    { numRuns: 2, endOnFailure: true },
  );
});
