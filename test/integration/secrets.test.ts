import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stopProcesses } from '../helpers/spawned-teardown.js';
import { freePort } from '../../src/cli/throwaway-redis.js';
import { parseFaultSpec } from '../../src/simulator/index.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { runCli, spawnCli, waitFor, type CliResult, type Spawned } from '../helpers/cli.js';
import { startReceiver, type TestReceiver } from '../helpers/webhook-receiver.js';

/** Known secret values: none of them may show up in any output, whatever goes wrong. */
const VENDOR_KEY = 'sk-secret-4242-vendor-key-e2e';
const API_TOKEN = 'tok-secret-7777-api-token-e2e';
const WEBHOOK_KEY = 'c2VjcmV0LXdlYmhvb2sta2V5LTQyNDItZTJlLXRlc3Q=';
/** A receiver's own token in its URL: the URL is never logged either. */
const HOOK_TOKEN = 'hook-secret-token-e2e';
const SECRETS = [VENDOR_KEY, API_TOKEN, WEBHOOK_KEY, HOOK_TOKEN];
const DEMO_CSV = fileURLToPath(new URL('../../examples/demo.csv', import.meta.url));
const BATCH = 'secrets';

let pipeline: Pipeline | undefined;
let receiver: TestReceiver | undefined;
const processes: Spawned[] = [];
let outDir: string | undefined;
afterEach(async () => {
  await stopProcesses(processes);
  await pipeline?.close();
  pipeline = undefined;
  await receiver?.close();
  receiver = undefined;
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('secrets', () => {
  it('a demo-sized job with faults, a 401, 422s and retried webhooks: no log line, error, metric or export holds a secret', async () => {
    let refused = false;
    // Fails the first webhook deliveries, so that retries are logged too.
    receiver = await startReceiver({
      path: `/hook?token=${HOOK_TOKEN}`,
      answer: (_request, seen) => (seen < 2 ? 500 : 204),
    });
    pipeline = await createPipeline({
      label: 'secrets',
      worker: false,
      simulator: {
        apiKey: VENDOR_KEY,
        latencyMs: 5,
        faults: parseFaultSpec('5xx=0.1,429=0.05,reset=0.05,lost=0.03,retry-after=0'),
        script: (request) => {
          // The first request is refused as if the key were revoked (the queue pauses), and
          // one question always fails validation upstream.
          if (!refused) {
            refused = true;
            return { fault: null, httpStatus: 401 };
          }
          if (request.input === 'Do you ship to Norway?') return { fault: null, httpStatus: 422 };
          return undefined;
        },
      },
      env: {
        SIGMAMIND_API_KEY: VENDOR_KEY,
        CHATBATCH_API_TOKENS: `another-token,${API_TOKEN}`,
        CHATBATCH_WEBHOOK_SECRET: `whsec_${WEBHOOK_KEY}`,
        CHATBATCH_WEBHOOK_ALLOW_PRIVATE: 'on',
        CHATBATCH_WEBHOOK_BACKOFF_MS: '100',
        LOG_LEVEL: 'debug',
      },
    });
    const env = pipeline.env;
    const outputs: [string, string][] = [];
    const keep = (name: string, result: CliResult) => {
      outputs.push([name, `${result.stdout}\n${result.stderr}`]);
      return result;
    };

    keep(
      'ingest',
      await runCli(
        ['ingest', DEMO_CSV, '--batch', BATCH, '--json', '--webhook-url', receiver.url],
        env,
      ),
    );
    keep('ingest again', await runCli(['ingest', DEMO_CSV, '--batch', BATCH], env));
    const worker = spawnCli(['worker', '--concurrency', '5'], env);
    processes.push(worker);
    const apiPort = await freePort();
    const api = spawnCli(['api', '--port', String(apiPort), '--host', '127.0.0.1'], env);
    processes.push(api);

    // The 401 pauses every batch; resume once it has (as an operator would after a key fix).
    let resumed = false;
    await waitFor(
      async () => {
        const status = await pipeline!.producer.batchStore.status(BATCH);
        if (status?.state === 'paused' && !resumed) {
          resumed = true;
          keep('resume', await runCli(['resume', BATCH], env));
        }
        return status !== undefined && status.state === 'completed';
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the batch to finish' },
    );
    expect(resumed).toBe(true);
    const status = keep('status', await runCli(['status', BATCH, '--json'], env));
    expect(status.code).toBe(4); // done, with the 422 failures
    outDir = await mkdtemp(path.join(tmpdir(), 'chatbatch-secrets-'));
    const csvFile = path.join(outDir, 'results.csv');
    keep('results jsonl', await runCli(['results', BATCH], env));
    keep('results csv', await runCli(['results', BATCH, '--format', 'csv', '--out', csvFile], env));
    outputs.push(['results csv file', await readFile(csvFile, 'utf8')]);
    keep('results of an unknown batch', await runCli(['results', 'no-such-batch'], env));
    keep(
      'worker with a bad config',
      await runCli(['worker'], { ...env, CHATBATCH_CONCURRENCY: 'x' }),
    );
    keep('cancel', await runCli(['cancel', BATCH], env));
    await waitFor(() => receiver!.received.filter((h) => h.status === 204).length >= 3, {
      timeoutMs: 20_000,
      what: 'webhook deliveries (paused, completed, cancelled)',
    });
    keep('webhooks failed', await runCli(['webhooks', 'failed', BATCH], env));

    // The metrics of both servers, and the API's answers, right and wrong token alike.
    const metricsPort = /"port":(\d+),"msg":"metrics at \/metrics"/.exec(worker.output())?.[1];
    expect(metricsPort).toBeDefined();
    const get = async (url: string, token?: string) => {
      const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      return `${res.status} ${JSON.stringify(Object.fromEntries(res.headers))}\n${await res.text()}`;
    };
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor(
      async () => (await fetch(`${apiUrl}/healthz`).catch(() => undefined))?.ok ?? false,
      {
        what: 'the API',
      },
    );
    outputs.push(['worker metrics', await get(`http://127.0.0.1:${metricsPort}/metrics`)]);
    outputs.push(['api metrics', await get(`${apiUrl}/metrics`)]);
    outputs.push(['api batch', await get(`${apiUrl}/v1/batches/${BATCH}`, API_TOKEN)]);
    outputs.push(['api results', await get(`${apiUrl}/v1/batches/${BATCH}/results`, API_TOKEN)]);
    outputs.push(['api wrong token', await get(`${apiUrl}/v1/batches/${BATCH}`, `${API_TOKEN}x`)]);
    outputs.push(['api no token', await get(`${apiUrl}/v1/batches`)]);
    outputs.push(['simulator log', JSON.stringify(pipeline.simulator.log)]);

    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    await api.exited;
    outputs.push(['worker output', worker.output()], ['api output', api.output()]);

    // The run did what it should, so the search covers real content: debug logs, a 401 and
    // 422s, failed turns with their errors, metrics.
    const all = outputs.map(([, text]) => text).join('\n');
    expect(worker.output()).toContain('"level":20');
    expect(pipeline.simulator.log.some((e) => e.status === 401)).toBe(true);
    expect(all).toContain('http_422');
    expect(all).toContain('chatbatch_chat_requests_total');
    expect(receiver.received.some((h) => h.status === 500)).toBe(true);
    const signatures = receiver.received.flatMap((h) =>
      h.signature.split(' ').map((s) => s.slice(3)),
    );
    for (const [name, text] of outputs) {
      for (const secret of [...SECRETS, ...signatures])
        expect(text.includes(secret), `${name} holds a secret`).toBe(false);
    }
  }, 120_000);

  it('a password in REDIS_URL (userinfo or ?password=) never shows in any output', async () => {
    const port = await freePort(); // nothing answers there: every command reports Redis
    const urls = [
      `redis://127.0.0.1:${port}/0?password=${API_TOKEN}`,
      `redis://${API_TOKEN}@127.0.0.1:${port}`,
      `redis://app:${API_TOKEN}@127.0.0.1:${port}`,
      `redis+sentinel://:${API_TOKEN}@127.0.0.1:${port}/mymaster?sentinelPassword=${API_TOKEN}`,
    ];
    const envOf = (url: string) => ({
      REDIS_URL: url,
      CHATBATCH_API_TOKENS: 'x'.repeat(24),
      LOG_LEVEL: 'debug',
    });
    const outputs: [string, string][] = [];
    await Promise.all(
      urls.map(async (url) => {
        const status = await runCli(['status', 'b1'], envOf(url));
        expect(status.code).toBe(1);
        expect(status.stderr).toMatch(/cannot reach Redis at .*\*\*\*/);
        outputs.push([url, `${status.stdout}\n${status.stderr}`]);
      }),
    );
    // The API logs the URL as it starts (two of the forms: each start takes seconds).
    await Promise.all(
      urls
        .filter((url) => /password=|sentinel/.test(url))
        .map(async (url) => {
          const api = spawnCli(
            ['api', '--port', String(await freePort()), '--host', '127.0.0.1'],
            envOf(url),
          );
          processes.push(api);
          await waitFor(() => /Redis unreachable/.test(api.output()), {
            timeoutMs: 15_000,
            what: 'the API to report Redis',
          });
          api.child.kill('SIGTERM');
          await api.exited;
          outputs.push([`api ${url}`, api.output()]);
        }),
    );
    expect(outputs).toHaveLength(6);
    for (const [name, text] of outputs)
      expect(text.includes(API_TOKEN), `${name}: ${text}`).toBe(false);
  }, 90_000);
});
