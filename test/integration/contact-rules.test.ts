import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/producer/api/app.js';
import type { ZodApp } from '../../src/producer/api/context.js';
import { createLogger } from '../../src/shared/logger.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { TurnRecord } from '../../src/shared/records.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { runCli } from '../helpers/cli.js';

/**
 * The contact rules end to end, checked against the simulator's own request log: the input of
 * every message names its recipient (`… for r7`), so the log says who was contacted.
 */
let pipeline: Pipeline | undefined;
let app: ZodApp | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  await pipeline?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  app = undefined;
  pipeline = undefined;
  dir = undefined;
});

const TOKEN = 'tok-contact-rules-0123456789';
const recipientOf = (input: string | undefined) => /for (r\d+)\b/.exec(input ?? '')?.[1];
const contacted = (p: Pipeline) =>
  p.simulator.log.filter((e) => e.status === 200).map((e) => recipientOf(e.input));

async function resultsOf(p: Pipeline, batchId: string): Promise<TurnRecord[]> {
  return p.results(batchId);
}

describe('contact rules through the CLI', () => {
  it('sends nothing to suppressed or opted-out recipients, in this batch and the next', async () => {
    pipeline = await createPipeline({ label: 'rules-cli', worker: false });
    dir = await mkdtemp(join(tmpdir(), 'chatbatch-rules-'));
    const env = pipeline.env;
    const csv = [
      'conversation_id,recipient_id,agent_id,input',
      'c1,r1,agent-1,hello for r1',
      'c2,r2,agent-1,hello for r2',
      'c3,r3,agent-1,hello for r3',
      'c1,,,second for r1',
      'c2,,,second for r2',
      'c3,,,  Stop ',
      'c3,,,after stop for r3',
    ].join('\n');
    await writeFile(join(dir, 'first.csv'), csv);

    const add = await runCli(['suppress', 'add', 'r2', '--reason', 'asked by phone'], env);
    expect(add).toMatchObject({ code: 0 });
    expect(add.stdout).toMatch(/1 recipient added/);
    const ingest = await runCli(['ingest', join(dir, 'first.csv'), '--batch', 'first'], env);
    expect(ingest.code).toBe(0);
    await pipeline.startWorker();
    const status = await pipeline.waitSettled('first');
    expect(status.conversations).toMatchObject({ completed: 1, suppressed: 2 });
    expect(status.turns).toMatchObject({ completed: 3, suppressed: 4 });

    // r1 in full, r3 up to the opt-out word, r2 never; the STOP itself never reached the agent.
    expect(contacted(pipeline).sort()).toEqual(['r1', 'r1', 'r3']);
    expect(pipeline.simulator.log.some((e) => /stop/i.test(e.input ?? ''))).toBe(false);
    const byTurn = (await resultsOf(pipeline, 'first')).map((r) => [
      r.conversationId,
      r.turn,
      r.status,
      r.error?.code ?? null,
    ]);
    expect(byTurn).toEqual([
      ['c1', 1, 'completed', null],
      ['c2', 1, 'suppressed', 'suppression_list'],
      ['c3', 1, 'completed', null],
      ['c1', 2, 'completed', null],
      ['c2', 2, 'suppressed', 'suppression_list'],
      ['c3', 2, 'suppressed', 'opted_out'],
      ['c3', 3, 'suppressed', 'opted_out'],
    ]);

    const list = await runCli(['suppress', 'list', '--json'], env);
    const entries = JSON.parse(list.stdout) as { recipientId: string; source: string }[];
    expect(entries.map((e) => [e.recipientId, e.source]).sort()).toEqual([
      ['r2', 'manual'],
      ['r3', 'opt-out'],
    ]);

    // A later batch skips the opted-out person and still serves the others.
    await writeFile(
      join(dir, 'second.csv'),
      'recipient_id,agent_id,input\nr3,agent-1,news for r3\nr1,agent-1,news for r1\n',
    );
    expect((await runCli(['ingest', join(dir, 'second.csv'), '--batch', 'second'], env)).code).toBe(
      0,
    );
    await pipeline.waitSettled('second');
    expect(contacted(pipeline).sort()).toEqual(['r1', 'r1', 'r1', 'r3']);

    // Taking r2 off the list serves r2 again in a new batch.
    expect((await runCli(['suppress', 'remove', 'r2'], env)).stdout).toMatch(/1 recipient removed/);
    await writeFile(join(dir, 'third.csv'), 'recipient_id,agent_id,input\nr2,agent-1,hi for r2\n');
    await runCli(['ingest', join(dir, 'third.csv'), '--batch', 'third'], env);
    await pipeline.waitSettled('third');
    expect(contacted(pipeline).filter((r) => r === 'r2')).toEqual(['r2']);
    const metrics = await pipeline.worker!.metrics.registry.metrics();
    expect(metrics).toMatch(/chatbatch_suppressed_turns_total\{reason="opted_out"\} 2/);
    expect(metrics).toMatch(/chatbatch_suppressed_turns_total\{reason="suppression_list"\} 3/);
  });

  it('imports a do-not-contact list from a CSV with a recipient_id column', async () => {
    pipeline = await createPipeline({ label: 'rules-import', worker: false });
    dir = await mkdtemp(join(tmpdir(), 'chatbatch-rules-'));
    await writeFile(join(dir, 'dnc.csv'), 'name;recipient_id\nAnn;+15550100\nBob;\nCy;+15550102\n');
    const imported = await runCli(['suppress', 'import', join(dir, 'dnc.csv'), '--json'], {
      ...pipeline.env,
    });
    expect(JSON.parse(imported.stdout)).toEqual({ read: 2, added: 2, rejected: [] });
    await writeFile(join(dir, 'plain.txt'), '+15550102\n\n+15550103\n');
    const plain = await runCli(['suppress', 'import', join(dir, 'plain.txt')], pipeline.env);
    expect(plain.stdout).toMatch(/2 recipients read, 1 new/);
    expect(await pipeline.producer.suppressions.size()).toBe(3);
  });
});

describe('contact rules through the API', () => {
  it('manages the list over HTTP and applies it and the frequency cap to submissions', async () => {
    pipeline = await createPipeline({ label: 'rules-api' });
    app = await buildApp({
      config: { ...pipeline.config, apiTokens: [TOKEN] },
      services: pipeline.producer,
      metrics: createMetrics(new Registry(), { defaultMetrics: false }),
      logger: createLogger('silent'),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    expect(await call('POST', '/v1/suppressions', { recipientIds: ['r5', 'r6'] })).toMatchObject({
      status: 200,
      body: { added: 2, alreadyListed: 0 },
    });
    expect(await call('DELETE', '/v1/suppressions/r6')).toMatchObject({ body: { removed: 1 } });
    expect((await call('GET', '/v1/suppressions/r5')).body).toMatchObject({
      recipientId: 'r5',
      source: 'manual',
    });
    expect((await call('GET', '/v1/suppressions/r6')).status).toBe(404);
    expect((await call('GET', '/v1/suppressions')).body).toMatchObject({ total: 1 });
    expect((await call('POST', '/v1/suppressions', { recipientIds: [''] })).status).toBe(400);

    const submit = (batchId: string, recipients: string[]) =>
      call('POST', '/v1/batches', {
        batchId,
        agentId: 'agent-1',
        frequencyCap: '1/7d',
        conversations: recipients.map((r) => ({ recipientId: r, turns: [`hi for ${r}`] })),
      });
    expect((await submit('api-1', ['r5', 'r6', 'r7'])).status).toBe(202);
    await pipeline.waitSettled('api-1');
    expect(contacted(pipeline).sort()).toEqual(['r6', 'r7']);
    // The cap counts across batches: r6 and r7 were contacted this week, r8 was not.
    expect((await submit('api-2', ['r6', 'r7', 'r8'])).status).toBe(202);
    const second = await pipeline.waitSettled('api-2');
    expect(second.conversations).toMatchObject({ completed: 1, suppressed: 2 });
    expect(contacted(pipeline).sort()).toEqual(['r6', 'r7', 'r8']);
    const codes = (await resultsOf(pipeline, 'api-2')).map((r) => r.error?.code ?? r.status);
    expect(codes).toEqual(['frequency_cap', 'frequency_cap', 'completed']);
    expect(
      (
        await call('POST', '/v1/batches', {
          agentId: 'a',
          frequencyCap: 'often',
          conversations: [{ turns: ['x'] }],
        })
      ).status,
    ).toBe(400);
  });
});

describe('the frequency cap under a race', () => {
  it('gives each of 100 recipients exactly one conversation when 8 capped batches start at once', async () => {
    pipeline = await createPipeline({
      label: 'rules-race',
      worker: false,
      simulator: { latencyMs: 5 },
    });
    const recipients = Array.from({ length: 100 }, (_, i) => `r${i}`);
    const batches = Array.from({ length: 8 }, (_, b) => `race-${b}`);
    const csvOf = (b: number) =>
      ['recipient_id,agent_id,input']
        .concat(recipients.map((r) => `${r},agent-1,batch ${b} for ${r}`))
        .join('\n');
    // Ingest all eight at once, then let three workers race over them.
    await Promise.all(
      batches.map((batchId, b) =>
        pipeline!.ingestCsv(csvOf(b), batchId, {
          frequencyCap: { count: 1, periodMs: 7 * 86_400_000 },
        }),
      ),
    );
    await Promise.all([1, 2, 3].map(() => pipeline!.startWorker({ CHATBATCH_CONCURRENCY: '20' })));
    for (const batchId of batches) await pipeline.waitSettled(batchId, 60_000);

    const perRecipient = new Map<string, number>();
    for (const r of contacted(pipeline)) perRecipient.set(r!, (perRecipient.get(r!) ?? 0) + 1);
    // 0 over the cap, 0 starved.
    expect([...perRecipient.keys()].sort()).toEqual([...recipients].sort());
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    let suppressed = 0;
    for (const batchId of batches)
      suppressed += (await pipeline.producer.batchStore.status(batchId))!.conversations.suppressed;
    expect(suppressed).toBe(700);
  });
});
