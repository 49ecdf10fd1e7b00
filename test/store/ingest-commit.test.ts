import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config.js';
import { openServices, type Services } from '../../src/services.js';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows, type IngestDeps, type IngestOptions } from '../../src/producer/ingest.js';
import { createBatchControl } from '../../src/producer/batch-control.js';
import { dropStaging } from '../../src/store/ingest-store.js';
import type { TurnQueue } from '../../src/shared/turn-queue.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

let services: Services;
let prefix: string;

beforeEach(async () => {
  prefix = uniquePrefix('ingest');
  services = await openServices(
    loadConfig({ REDIS_URL, CHATBATCH_PREFIX: prefix, CHATBATCH_MAX_TURNS: '5' }),
    'cli',
  );
});
afterEach(async () => {
  await services.close();
  await deletePrefix(prefix);
});

const rows = (csv: string, agentId?: string) =>
  readCsvRows(Readable.from([csv]), { source: 'test.csv', defaultAgentId: agentId });

function ingest(
  csv: string,
  options: Partial<IngestOptions> & { batchId: string },
  deps?: IngestDeps,
) {
  return ingestRows(deps ?? services.ingestDeps(), rows(csv, options.agentId), options);
}

/** Keys of the prefix matching a pattern (the test's own prefix only). */
async function keysLike(pattern: string): Promise<string[]> {
  return services.redis.keys(`{${prefix}}${pattern}`);
}

/** Conversation hashes still owned by an ingest run: staged, never committed. */
async function stagedConversations(batchId: string): Promise<string[]> {
  const staged: string[] = [];
  for (const key of await keysLike(`:c:${batchId}:*`)) {
    if (await services.redis.hexists(key, 'run')) staged.push(key);
  }
  return staged;
}

describe('ingest commit', () => {
  it('writes every turn into the order with its commit, in input order', async () => {
    const csv = [
      'conversation_id,agent_id,input',
      'c1,a,one 1',
      'c2,a,two 1',
      'c1,,one 2',
      'c3,a,three 1',
      'c2,,two 2',
    ].join('\n');
    const report = await ingest(csv, { batchId: 'b' });
    expect(report).toMatchObject({ accepted: 3, rejected: 0, turns: 5 });
    const order = await services.redis.zrange(services.keys.order('b'), 0, -1);
    expect(order.map((e) => e.replace('\u001f', '#'))).toEqual([
      'c1#1',
      'c2#1',
      'c1#2',
      'c3#1',
      'c2#2',
    ]);
    const results = [];
    for await (const r of services.batchStore.results('b')) results.push(r.input);
    expect(results).toEqual(['one 1', 'two 1', 'one 2', 'three 1', 'two 2']);
    // A second file into the same batch comes after the first in results.
    await ingest('conversation_id,agent_id,input\nc9,a,nine 1\nc1,a,dup\n', { batchId: 'b' });
    const after = [];
    for await (const r of services.batchStore.results('b')) after.push(r.input);
    expect(after).toEqual(['one 1', 'two 1', 'one 2', 'three 1', 'two 2', 'nine 1']);
  });

  it('leaves committed conversations visible, cancellable and found by the watchdog when the ingest dies after committing', async () => {
    const csv = ['conversation_id,agent_id,input']
      .concat(Array.from({ length: 30 }, (_, i) => `c${i},a,hello ${i}`))
      .join('\n');
    // The enqueue step fails (Redis full, the process killed) after the commit.
    const failingQueue: TurnQueue = {
      ...services.turnQueue,
      addTurns: async () => {
        throw new Error('OOM command not allowed when used memory > maxmemory');
      },
    };
    const deps = { ...services.ingestDeps(), turnQueue: failingQueue };
    await expect(ingest(csv, { batchId: 'k' }, deps)).rejects.toThrow(/OOM/);

    const status = await services.batchStore.status('k');
    expect(status?.conversations.pending).toBe(30);
    const results = [];
    for await (const r of services.batchStore.results('k')) results.push(r);
    expect(results).toHaveLength(30);
    // The watchdog sees them (no job): reported at the first sweep, confirmed at the next.
    const now = Date.now() + 10_000;
    expect(await services.maintenance.unfinishedBatches(now)).toContain('k');
    const found = await services.maintenance.findStuck('k', now);
    expect(found).toHaveLength(30);
    expect(await services.maintenance.confirmStuck('k', found, now, 1000)).toEqual([]);
    const again = await services.maintenance.findStuck('k', now + 2000);
    expect(await services.maintenance.confirmStuck('k', again, now + 2000, 1000)).toHaveLength(30);
    // Cancel reaches them.
    const control = createBatchControl({
      batchStore: services.batchStore,
      maintenance: services.maintenance,
      turnQueue: () => services.turnQueue,
    });
    const cancelled = await control.run('cancel', 'k');
    expect(cancelled.conversations).toBe(30);
    expect(cancelled.status.conversations.cancelled).toBe(30);
  });

  it('queues a scheduled batch with one kickoff job, which the watchdog leaves alone until its start', async () => {
    const startAt = Date.now() + 3_600_000;
    await ingest('conversation_id,agent_id,input\nc1,a,hi\nc2,a,hello\n', {
      batchId: 's',
      scheduleAt: startAt,
    });
    const queue = services.turnQueue.queue;
    const delayed = await queue.getDelayed();
    expect(delayed.map((job) => [job.name, job.data])).toEqual([['kickoff', { b: 's' }]]);
    expect(await queue.getPrioritizedCount()).toBe(0);
    expect(await services.maintenance.unfinishedBatches(Date.now())).not.toContain('s');
    expect(await services.maintenance.unfinishedBatches(startAt + 1)).toContain('s');
    const committed = [];
    for await (const page of services.batchStore.committed('s')) committed.push(...page);
    expect(committed).toEqual([
      { conversationId: 'c1', turn: 1 },
      { conversationId: 'c2', turn: 1 },
    ]);
  });

  it('refuses to send a turn of a cancelled batch, even one committed after the cancel', async () => {
    await ingest('conversation_id,agent_id,input\nc1,a,hi\n', { batchId: 'x' });
    // Cancel marks the batch first, then sweeps its conversations: one committed in between
    // is only caught by the begin step.
    await services.batchStore.setState('x', ['running'], 'cancelled');
    const begin = await services.turnStore.begin('x', 'c1', 1, Date.now(), 30_000);
    expect(begin).toEqual({ kind: 'done', state: 'cancelled' });
    const status = await services.batchStore.status('x');
    expect(status?.conversations).toMatchObject({ pending: 0, active: 0, cancelled: 1 });
    expect(status?.turns).toMatchObject({ pending: 0, cancelled: 1 });
    // And nothing more can be added to it.
    await expect(
      ingest('conversation_id,agent_id,input\nc2,a,hi\n', { batchId: 'x' }),
    ).rejects.toThrow(/cancelled/);
  });

  it('drops its staging at once when the ingest fails midway', async () => {
    async function* brokenRows() {
      yield* rows('conversation_id,agent_id,input\nc1,a,My SSN is 078-05-1120\nc2,a,hi\n');
      throw new Error('the upload was cut');
    }
    await expect(ingestRows(services.ingestDeps(), brokenRows(), { batchId: 'f' })).rejects.toThrow(
      /cut/,
    );
    expect(await stagedConversations('f')).toEqual([]);
    expect(await keysLike(':staging*')).toEqual([]);
    expect(await services.batchStore.status('f')).toBeUndefined();
  });

  it('keeps staged rows no longer than the retention, and the watchdog drops a dead run', async () => {
    const short = await openServices(
      loadConfig({ REDIS_URL, CHATBATCH_PREFIX: prefix, CHATBATCH_RETENTION_DAYS: '0.01' }),
      'cli',
    );
    try {
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      // Rows are staged 500 at a time: a full chunk, then the input stalls.
      const chunk = ['conversation_id,agent_id,input']
        .concat(Array.from({ length: 500 }, (_, i) => `c${i},a,hello ${i}`))
        .join('\n');
      async function* stalled() {
        yield* rows(chunk);
        await held;
      }
      const running = ingestRows(short.ingestDeps(), stalled(), { batchId: 'd' }).catch(
        () => undefined,
      );
      // Wait until the row is staged.
      for (let i = 0; i < 100 && (await stagedConversations('d')).length === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      const [staged] = await stagedConversations('d');
      expect(staged).toBeDefined();
      const ttl = await services.redis.ttl(staged!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(Math.round(0.01 * 86_400));

      // The run goes silent (its process died): its liveness key lapses.
      const [runId] = Object.keys(await services.redis.hgetall(services.keys.stagingRuns));
      await services.redis.del(`{${prefix}}:staging:${runId}:alive`);
      const dead = await services.maintenance.deadIngestRuns();
      expect(dead).toEqual([{ runId, batchId: 'd' }]);
      await dropStaging(services.redis, services.keys, 'd', runId!);
      expect(await stagedConversations('d')).toEqual([]);
      expect(await keysLike(':staging*')).toEqual([]);
      expect(await services.maintenance.deadIngestRuns()).toEqual([]);
      release();
      await running;
    } finally {
      await short.close();
    }
  });
});

describe('ingest rules kept in the store', () => {
  it('keeps finishedAt when a finished batch is ingested again and nothing is accepted', async () => {
    await ingest('conversation_id,agent_id,input\nc1,a,hi\n', { batchId: 'fin' });
    await services.batchStore.closeConversations('fin', 'cancelled');
    const finished = (await services.batchStore.status('fin'))?.finishedAt;
    expect(finished).toEqual(expect.any(String));
    const report = await ingest('conversation_id,agent_id,input\nc2,a,\n', { batchId: 'fin' });
    expect(report).toMatchObject({ accepted: 0, rejected: 1 });
    expect((await services.batchStore.status('fin'))?.finishedAt).toBe(finished);
  });

  it("lets later rows inherit the conversation's agent, and rejects a first row without one", async () => {
    const csv = [
      'conversation_id,agent_id,input,customer_name',
      'c1,D5D0p7TUs66TTAEAx,Where is my order?,Michael',
      'c2,,No agent here,Aisha',
      'c1,,It was supposed to arrive on Monday.,',
    ].join('\n');
    const report = await ingest(csv, { batchId: 'ag' });
    expect(report).toMatchObject({ accepted: 1, rejected: 1 });
    expect(report.rejectedRows).toEqual([
      {
        line: 3,
        conversationId: 'c2',
        errors: ["agent_id: empty on the conversation's first row, and no --agent-id given"],
      },
    ]);
    const view = await services.batchStore.conversation('ag', 'c1');
    expect(view?.agentId).toBe('D5D0p7TUs66TTAEAx');
    expect(view?.turns.map((t) => t.agentId)).toEqual(['D5D0p7TUs66TTAEAx', 'D5D0p7TUs66TTAEAx']);
  });

  it('caps turns per conversation at ingest and on append (CHATBATCH_MAX_TURNS)', async () => {
    const csv = ['conversation_id,agent_id,input']
      .concat(Array.from({ length: 6 }, (_, i) => `long,a,turn ${i + 1}`))
      .concat(Array.from({ length: 5 }, (_, i) => `ok,a,turn ${i + 1}`))
      .join('\n');
    const report = await ingest(csv, { batchId: 'cap' });
    expect(report).toMatchObject({ accepted: 1, rejected: 1 });
    expect(report.rejectedRows).toEqual([
      {
        line: 7,
        conversationId: 'long',
        errors: ['turns: the conversation has more than 5 turns (CHATBATCH_MAX_TURNS)'],
      },
    ]);
    const appended = await services.appendStore.appendTurn('cap', 'ok', { input: 'one more' });
    expect(appended).toEqual({ kind: 'refused', reason: 'turn-limit' });
  });
});
