import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProducer, type ProducerContext } from '../../src/cli/context.js';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows } from '../../src/producer/ingest.js';
import { loadConfig } from '../../src/shared/config.js';
import { createApiHarness, AUTH, type ApiHarness } from '../http/api-harness.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

/**
 * Random input all the way into Redis: whatever the CSV or the API body, ingest ends in a
 * report or a clear error, and never leaves anything half done: no staging keys, counters that
 * match the report, exactly one queued job per accepted conversation.
 */
let producer: ProducerContext;
let api: ApiHarness;
const prefix = uniquePrefix('fuzz-ingest');

beforeAll(async () => {
  producer = await openProducer(loadConfig({ REDIS_URL, CHATBATCH_PREFIX: prefix }));
  api = await createApiHarness();
});
afterAll(async () => {
  await producer.close();
  await api.close();
  await deletePrefix(prefix);
});

async function keysMatching(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await producer.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Rows mixing good ones, broken quoting, empty inputs and shared conversation ids. */
const csvLine = fc.oneof(
  fc.tuple(fc.constantFrom('c1', 'c2', 'c3', ''), fc.constantFrom('hi', 'two words', '"q, x"')),
  fc.tuple(fc.constantFrom('c4', ''), fc.constantFrom('', '  ', 'x"y', '"open', 'a,b')),
);
const csvFile = fc
  .array(csvLine, { maxLength: 12 })
  .map(
    (rows) =>
      `conversation_id,input,agent_id\n${rows.map(([c, i]) => `${c},${i},agent-1`).join('\n')}\n`,
  );

let run = 0;
describe('ingest, fuzzed into Redis', () => {
  it('a random CSV: report or file error, no staging left, counters and jobs match the report', async () => {
    await fc.assert(
      fc.asyncProperty(csvFile, fc.boolean(), async (text, strict) => {
        const batchId = `fz${++run}`;
        let report;
        try {
          report = await ingestRows(
            { ...producer.ingestDeps(), retentionSeconds: 3600 },
            readCsvRows(Readable.from([text]), { source: 'fuzz.csv' }),
            { batchId, strict },
          );
        } catch (error) {
          expect((error as Error).name).toBe('CsvFileError');
        }
        expect(await keysMatching(`{${prefix}}:staging:*`)).toEqual([]);
        const status = await producer.batchStore.status(batchId);
        if (!report || report.discarded) {
          // Nothing at all: no batch, no conversation, no job.
          expect(status).toBeUndefined();
          expect(await keysMatching(`{${prefix}}:c:${batchId}:*`)).toEqual([]);
          return;
        }
        expect(status!.conversations.total).toBe(report.accepted);
        expect(status!.conversations.pending).toBe(report.accepted);
        expect(status!.turns.total).toBe(report.turns);
        expect(await producer.redis.zcard(producer.keys.order(batchId))).toBe(report.turns);
        expect(await keysMatching(`{${prefix}}:c:${batchId}:*`)).toHaveLength(report.accepted);
        const rejected = new Set(report.rejectedRows.map((r) => r.conversationId));
        expect(rejected.size).toBe(report.rejected);
        for (const id of rejected)
          expect(await producer.redis.exists(producer.keys.conversation(batchId, id))).toBe(0);
      }),
      { numRuns: 40 },
    );
    // One first-turn job per accepted conversation of every batch above, never more.
    const counts = await producer.turnQueue.queue.getJobCounts('waiting', 'prioritized');
    let accepted = 0;
    for (let i = 1; i <= run; i++)
      accepted += (await producer.batchStore.status(`fz${i}`))?.conversations.total ?? 0;
    expect((counts.waiting ?? 0) + (counts.prioritized ?? 0)).toBe(accepted);
  });

  it('a random API body: a report or a 4xx with a reason, never a 5xx, nothing half enqueued', async () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({
        agentId: fc.constantFrom('agent-1', '', 'a'.repeat(65)),
        conversations: fc.array(
          fc.record({
            conversationId: fc.constantFrom('x', 'y', '__proto__', 'constructor', ''),
            turns: fc.array(fc.constantFrom('hi', '', ' ', 'é😀', 'z'.repeat(20_481)), {
              maxLength: 3,
            }),
            dynamicVariables: fc.dictionary(
              fc.constantFrom('__proto__', 'n', 'constructor'),
              fc.string(),
            ),
          }),
          { maxLength: 4 },
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const res = await api.app.inject({
          method: 'POST',
          url: '/v1/batches',
          headers: { ...AUTH, 'content-type': 'application/json' },
          payload: JSON.stringify(value),
        });
        expect(res.statusCode).toBeLessThan(500);
        const answer = res.json() as { message?: string; accepted?: number };
        if (res.statusCode >= 400) expect(answer.message).toEqual(expect.any(String));
        else expect(answer.accepted).toEqual(expect.any(Number));
      }),
      { numRuns: 150 },
    );
    const staging: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await api.redis.scan(cursor, 'MATCH', `{${api.prefix}}:staging:*`);
      cursor = next;
      staging.push(...keys);
    } while (cursor !== '0');
    expect(staging).toEqual([]);
  });
});
