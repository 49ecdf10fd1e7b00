import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { checkChains } from '../helpers/chain-check.js';
import { countKeys } from '../helpers/redis-namespace.js';

/** A CSV of `conversations` conversations with `turns` turns each, rows interleaved. */
function multiTurnCsv(conversations: number, turns: number, tag = 'm'): string {
  const lines = ['conversation_id,agent_id,input,customer_name'];
  for (let t = 1; t <= turns; t++) {
    for (let c = 1; c <= conversations; c++) {
      lines.push(
        `${tag}${c},agent-1,"${tag}${c} says ""turn ${t}""",${t === 1 ? `Name ${c}` : ''}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

describe('core pipeline against the simulator', () => {
  it('sends every turn in order, each continuing the previous chat, and records it', async () => {
    pipeline = await createPipeline({
      label: 'chain',
      simulator: { latencyMs: 5, latencyJitterMs: 10 },
    });
    const report = await pipeline.ingestCsv(multiTurnCsv(30, 3), 'b1');
    expect(report).toMatchObject({
      conversations: 30,
      accepted: 30,
      turns: 90,
      rejected: 0,
      duplicates: 0,
    });

    const status = await pipeline.waitSettled('b1');
    expect(status.state).toBe('completed');
    expect(status.conversations).toMatchObject({ total: 30, completed: 30, pending: 0, active: 0 });
    expect(status.turns).toMatchObject({ total: 90, completed: 90, pending: 0 });
    expect(status.finishedAt).not.toBeNull();

    const results = await pipeline.results('b1');
    expect(results).toHaveLength(90);
    // Input order: the file interleaves conversations, so lines ascend.
    expect(results.map((r) => r.line)).toEqual(
      [...results.map((r) => r.line)].sort((a, b) => a! - b!),
    );
    const chain = checkChains(results, pipeline.simulator.log);
    expect(chain.violations).toEqual([]);
    expect(pipeline.simulator.log).toHaveLength(90);
    // The first turn carries the row's variables; later turns inherit them.
    const firstTurn = pipeline.simulator.log.find((e) => e.input === 'm7 says "turn 1"');
    const thirdTurn = pipeline.simulator.log.find((e) => e.input === 'm7 says "turn 3"');
    expect(firstTurn?.previousChatId).toBeUndefined();
    expect(firstTurn?.dynamicVariables).toEqual({ customer_name: 'Name 7' });
    expect(thirdTurn?.dynamicVariables).toEqual({ customer_name: 'Name 7' });
    expect(results[0]).toMatchObject({
      batchId: 'b1',
      status: 'completed',
      chatStatus: 'in-progress',
      attempts: 1,
      error: null,
    });
    expect(results[0]!.response).toHaveLength(1);
  });

  it('recovers from 5xx and 429 with retries', async () => {
    const failures = new Map<string, number>();
    pipeline = await createPipeline({
      label: 'retry',
      simulator: {
        script: (request) => {
          const seen = failures.get(request.input) ?? 0;
          failures.set(request.input, seen + 1);
          if (seen === 0 && request.input.includes('turn 1')) return { httpStatus: 503 };
          if (seen === 0 && request.input.includes('turn 2')) return { fault: '429' };
          return undefined;
        },
      },
    });
    await pipeline.ingestCsv(multiTurnCsv(5, 2), 'b2');
    const status = await pipeline.waitSettled('b2');
    expect(status.conversations.completed).toBe(5);
    const results = await pipeline.results('b2');
    expect(results.every((r) => r.attempts === 2 && r.status === 'completed')).toBe(true);
    expect(checkChains(results, pipeline.simulator.log).violations).toEqual([]);
    const metrics = await pipeline.worker!.metrics.registry.getSingleMetricAsString(
      'chatbatch_chat_requests_total',
    );
    expect(metrics).toContain('status_code="503",outcome="retry"');
    expect(metrics).toContain('status_code="429",outcome="retry"');
  });

  it('sends a 422 once, fails the turn and skips the rest', async () => {
    pipeline = await createPipeline({
      label: 'perm',
      simulator: {
        script: (r) => (r.input === 'p1 says "turn 2"' ? { httpStatus: 422 } : undefined),
      },
    });
    await pipeline.ingestCsv(multiTurnCsv(2, 4, 'p'), 'b3');
    const status = await pipeline.waitSettled('b3');
    expect(status.conversations).toMatchObject({ failed: 1, completed: 1 });
    expect(status.turns).toMatchObject({ completed: 5, failed: 1, skipped: 2 });
    const results = await pipeline.results('b3');
    const p1 = results.filter((r) => r.conversationId === 'p1');
    expect(p1.map((r) => r.status)).toEqual(['completed', 'failed', 'skipped', 'skipped']);
    expect(p1[1]!.error).toMatchObject({ code: 'http_422', httpStatus: 422 });
    expect(pipeline.simulator.log.filter((e) => e.input === 'p1 says "turn 2"')).toHaveLength(1);
    expect(
      pipeline.simulator.log.filter((e) => e.input?.startsWith('p1 says "turn 3')),
    ).toHaveLength(0);
  });

  it('skips the remaining turns when the agent ends the chat', async () => {
    pipeline = await createPipeline({ label: 'ended', simulator: { endAfterTurns: 2 } });
    await pipeline.ingestCsv(multiTurnCsv(3, 4, 'e'), 'b4');
    const status = await pipeline.waitSettled('b4');
    expect(status.conversations).toMatchObject({ ended: 3, completed: 0 });
    expect(status.turns).toMatchObject({ completed: 6, skipped: 6 });
    const results = await pipeline.results('b4');
    expect(results.filter((r) => r.conversationId === 'e1').map((r) => r.status)).toEqual([
      'completed',
      'completed',
      'skipped',
      'skipped',
    ]);
    expect(results.find((r) => r.conversationId === 'e1' && r.turn === 2)?.chatStatus).toBe(
      'ended',
    );
  });

  it('adds nothing when the same file is ingested again into the same batch', async () => {
    pipeline = await createPipeline({ label: 'reingest' });
    const csv = multiTurnCsv(10, 2, 'r');
    await pipeline.ingestCsv(csv, 'b5');
    await pipeline.waitSettled('b5');
    const again = await pipeline.ingestCsv(csv, 'b5');
    expect(again).toMatchObject({ accepted: 0, duplicates: 10, conversations: 10 });
    await new Promise((r) => setTimeout(r, 300));
    expect(pipeline.simulator.log).toHaveLength(20);
    const status = await pipeline.waitSettled('b5');
    expect(status.conversations.total).toBe(10);
    expect((await pipeline.results('b5')).length).toBe(20);
  });

  it('rejects a conversation with an invalid row whole, reports the line, and keeps the others', async () => {
    pipeline = await createPipeline({ label: 'reject', worker: false });
    const csv = 'conversation_id,agent_id,input\nx,a,hello\ny,a,hi\nx,a,  \ny,a,again\n';
    const report = await pipeline.ingestCsv(csv, 'b6');
    expect(report).toMatchObject({ conversations: 2, accepted: 1, rejected: 1, turns: 2 });
    expect(report.rejectedRows).toEqual([
      { line: 4, conversationId: 'x', errors: [expect.stringContaining('input')] },
    ]);
    const strict = await pipeline.ingestCsv(csv.replace(/\by\b/g, 'z'), 'b7', { strict: true });
    expect(strict).toMatchObject({ rejected: 1, discarded: true });
    expect(await pipeline.producer.batchStore.status('b7')).toBeUndefined();
    const dry = await pipeline.ingestCsv(csv.replace(/\by\b/g, 'w'), 'b8', { dryRun: true });
    expect(dry).toMatchObject({ accepted: 1, rejected: 1, discarded: true });
    expect(await pipeline.producer.batchStore.status('b8')).toBeUndefined();
    // Only the accepted batch remains: nothing staged is left behind.
    const status = await pipeline.producer.batchStore.status('b6');
    expect(status?.conversations.total).toBe(1);
    expect(await countKeys(pipeline.prefix)).toBeGreaterThan(0);
  });

  it('a file without conversation_id: each row is a conversation, committed without staging', async () => {
    pipeline = await createPipeline({ label: 'standalone' });
    const csv = 'input,agent_id,name\nfirst,ag,Ann\n  ,ag,Bob\nthird,,Cy\nfourth,ag,Di\n';
    const report = await pipeline.ingestCsv(csv, 'solo');
    expect(report).toMatchObject({
      conversations: 4,
      accepted: 2,
      rejected: 2,
      turns: 2,
      duplicates: 0,
    });
    expect(report.rejectedRows.map((r) => [r.line, r.conversationId])).toEqual([
      [3, 'line-3'],
      [4, 'line-4'],
    ]);
    const status = await pipeline.waitSettled('solo');
    expect(status.conversations).toMatchObject({ total: 2, completed: 2 });
    const results = await pipeline.results('solo');
    expect(results.map((r) => [r.line, r.input, r.status])).toEqual([
      [2, 'first', 'completed'],
      [5, 'fourth', 'completed'],
    ]);
    expect(pipeline.simulator.log.find((e) => e.input === 'fourth')?.dynamicVariables).toEqual({
      name: 'Di',
    });
    const again = await pipeline.ingestCsv(csv, 'solo');
    expect(again).toMatchObject({ accepted: 0, duplicates: 2, rejected: 2 });
    expect((await pipeline.producer.batchStore.status('solo'))!.conversations.total).toBe(2);
    // Strict and dry runs still stage, so they can enqueue nothing.
    const strict = await pipeline.ingestCsv(csv, 'solo-strict', { strict: true });
    expect(strict).toMatchObject({ rejected: 2, discarded: true });
    expect(await pipeline.producer.batchStore.status('solo-strict')).toBeUndefined();
  });

  it('rejects a later row that names another agent or a previous_chat_id, with the conversation', async () => {
    pipeline = await createPipeline({ label: 'crossrow', worker: false });
    const csv =
      'conversation_id,agent_id,input,previous_chat_id\n' +
      'a,ag1,hello,chat-1\n' +
      'b,ag1,hi,\n' +
      'a,ag2,again,\n' +
      'b,ag1,more,chat-2\n' +
      'c,ag1,fine,\n' +
      'c,ag1,still fine,\n';
    const report = await pipeline.ingestCsv(csv, 'cross');
    expect(report).toMatchObject({ conversations: 3, accepted: 1, rejected: 2, turns: 2 });
    expect(report.rejectedRows).toEqual([
      {
        line: 4,
        conversationId: 'a',
        errors: ["agent_id: differs from the conversation's first row"],
      },
      {
        line: 5,
        conversationId: 'b',
        errors: ["previous_chat_id: only allowed on a conversation's first row"],
      },
    ]);
    const results = await pipeline.results('cross');
    expect(results.map((r) => [r.conversationId, r.turn, r.agentId, r.input])).toEqual([
      ['c', 1, 'ag1', 'fine'],
      ['c', 2, 'ag1', 'still fine'],
    ]);
  });
});
