import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/producer/api/app.js';
import type { ZodApp } from '../../src/producer/api/context.js';
import { createLogger } from '../../src/shared/logger.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { TurnRecord } from '../../src/shared/records.js';
import type { RequestLogEntry } from '../../src/simulator/index.js';
import { checkChains } from '../helpers/chain-check.js';
import { waitFor } from '../helpers/cli.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

const TOKEN = 'integration-token-3c5d';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let pipeline: Pipeline | undefined;
let app: ZodApp | undefined;
afterEach(async () => {
  await app?.close();
  await pipeline?.close();
  app = undefined;
  pipeline = undefined;
});

/** The real stack: simulator, Redis, an in-process worker, and the API on a loopback port. */
async function start(label: string, latencyMs = 5): Promise<{ p: Pipeline; base: string }> {
  const p = await createPipeline({ label, simulator: { latencyMs } });
  pipeline = p;
  app = await buildApp({
    config: { ...p.config, apiTokens: [TOKEN] },
    services: p.producer,
    metrics: createMetrics(new Registry(), { defaultMetrics: false }),
    logger: createLogger('silent'),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { p, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

async function call(base: string, method: string, path: string, body?: unknown, headers = {}) {
  const json = body !== undefined && typeof body !== 'string' && !(body instanceof FormData);
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...AUTH, ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
    body: json ? JSON.stringify(body) : (body as BodyInit | undefined),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** Polls GET /v1/batches/:id until nothing is pending or active, as a client would. */
async function followToCompletion(base: string, batchId: string) {
  let status: { state: string; conversations: Record<string, number> } | undefined;
  await waitFor(
    async () => {
      status = JSON.parse((await call(base, 'GET', `/v1/batches/${batchId}`)).text);
      return status!.conversations.pending! + status!.conversations.active! === 0;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `batch ${batchId} to settle` },
  );
  return status!;
}

async function results(base: string, batchId: string): Promise<TurnRecord[]> {
  const response = await call(base, 'GET', `/v1/batches/${batchId}/results?format=jsonl`);
  return response.text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TurnRecord);
}

describe('the HTTP API against the simulator', () => {
  it('runs a JSON submission to completion and serves its results', async () => {
    const { p, base } = await start('api-json');
    const conversations = Array.from({ length: 12 }, (_, i) => ({
      conversationId: `c${i}`,
      dynamicVariables: { customer_name: `Name ${i}` },
      turns: [`c${i} turn 1`, `c${i} turn 2`, `c${i} turn 3`],
    }));
    const submitted = await call(base, 'POST', '/v1/batches', {
      batchId: 'json',
      agentId: 'agent-1',
      conversations: [...conversations, { turns: [] }],
    });
    expect(submitted.status).toBe(202);
    expect(JSON.parse(submitted.text)).toMatchObject({ accepted: 12, rejected: 1, turns: 36 });

    const status = await followToCompletion(base, 'json');
    expect(status).toMatchObject({ state: 'completed', conversations: { completed: 12 } });
    const records = await results(base, 'json');
    expect(records).toHaveLength(36);
    expect(records.every((r) => r.status === 'completed' && r.line === null)).toBe(true);
    expect(checkChains(records, p.simulator.log).violations).toEqual([]);
    const sent = p.simulator.log.find((e) => e.input === 'c4 turn 2');
    expect(sent?.dynamicVariables).toEqual({ customer_name: 'Name 4' });
  });

  it('runs CSV submissions, raw and multipart, to completion', async () => {
    const { p, base } = await start('api-csv');
    const csv = (tag: string) =>
      'conversation_id,input,customer_name\n' +
      [1, 2, 3]
        .flatMap((c) => [1, 2].map((t) => `${tag}${c},${tag}${c} says ${t},N${c}`))
        .join('\n') +
      '\n';
    const raw = await call(base, 'POST', '/v1/batches?batchId=raw&agentId=agent-1', csv('r'), {
      'content-type': 'text/csv',
    });
    expect(JSON.parse(raw.text)).toMatchObject({ accepted: 3, turns: 6 });

    const form = new FormData();
    form.append('batchId', 'multipart');
    form.append('agentId', 'agent-2');
    form.append('file', new Blob([csv('m')], { type: 'text/csv' }), 'customers.csv');
    const multipart = await call(base, 'POST', '/v1/batches', form);
    expect(multipart.status).toBe(202);
    expect(JSON.parse(multipart.text)).toMatchObject({
      batchId: 'multipart',
      accepted: 3,
      turns: 6,
    });

    for (const batchId of ['raw', 'multipart']) {
      expect((await followToCompletion(base, batchId)).state).toBe('completed');
      const records = await results(base, batchId);
      expect(records.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7]);
      expect(checkChains(records, p.simulator.log).violations).toEqual([]);
    }
    const table = await call(base, 'GET', '/v1/batches/multipart/results?format=csv');
    expect(table.text.trim().split('\n')).toHaveLength(7);
    expect(p.simulator.log.filter((e) => e.agentId === 'agent-2')).toHaveLength(6);
  });

  it('continues conversations with turns posted at once: in order, each on the previous chatId', async () => {
    const { p, base } = await start('api-continue', 40);
    await call(base, 'POST', '/v1/batches', {
      batchId: 'talk',
      agentId: 'agent-1',
      conversations: [
        { conversationId: 'finished', turns: ['finished 1'] },
        {
          conversationId: 'in-flight',
          turns: ['in-flight 1', 'in-flight 2', 'in-flight 3', 'in-flight 4'],
        },
      ],
    });
    // 'finished' completes first; 'in-flight' still has turns pending or in flight.
    await waitFor(
      async () =>
        JSON.parse((await call(base, 'GET', '/v1/batches/talk/conversations/finished')).text)
          .status === 'completed',
      { timeoutMs: 10_000, intervalMs: 10 },
    );
    const appendTwo = (conversationId: string, tag: string) =>
      Promise.all(
        ['a', 'b'].map((n) =>
          call(base, 'POST', `/v1/batches/talk/conversations/${conversationId}/turns`, {
            input: `${tag} ${n}`,
          }),
        ),
      );
    const [finished, inFlight] = await Promise.all([
      appendTwo('finished', 'finished more'),
      appendTwo('in-flight', 'in-flight more'),
    ]);
    for (const response of [...finished, ...inFlight]) expect(response.status).toBe(202);
    expect(finished.map((r) => JSON.parse(r.text).turn).sort()).toEqual([2, 3]);
    expect(inFlight.map((r) => JSON.parse(r.text).turn).sort()).toEqual([5, 6]);
    // They really arrived while the conversation was still running: turn 4 had no chatId yet.
    expect(inFlight.map((r) => JSON.parse(r.text).previousChatId)).toEqual([null, null]);

    await followToCompletion(base, 'talk');
    const records = await results(base, 'talk');
    expect(checkChains(records, p.simulator.log).violations).toEqual([]);
    for (const conversationId of ['finished', 'in-flight']) {
      const view = JSON.parse(
        (await call(base, 'GET', `/v1/batches/talk/conversations/${conversationId}`)).text,
      ) as { status: string; turns: TurnRecord[] };
      expect(view.status).toBe('completed');
      // From the simulator's own log: one request per turn, sent in turn order, each carrying
      // the chatId the simulator created for the turn before.
      const sent = view.turns.map((turn) => {
        const requests = p.simulator.log.filter((e: RequestLogEntry) => e.input === turn.input);
        expect(requests, turn.input).toHaveLength(1);
        return requests[0]!;
      });
      for (let i = 1; i < sent.length; i++) {
        expect(sent[i]!.seq).toBeGreaterThan(sent[i - 1]!.seq);
        expect(sent[i]!.receivedAt).toBeGreaterThanOrEqual(sent[i - 1]!.receivedAt);
        expect(sent[i]!.previousChatId).toBe(sent[i - 1]!.chatId);
      }
      expect(sent).toHaveLength(conversationId === 'finished' ? 3 : 6);
    }
  });
});
