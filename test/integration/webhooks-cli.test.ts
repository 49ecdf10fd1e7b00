import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProducer, type ProducerContext } from '../../src/cli/context.js';
import { loadConfig } from '../../src/shared/config.js';
import { runCli } from '../helpers/cli.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

/** `chatbatch ingest --webhook-url/--webhook-events` and CHATBATCH_WEBHOOK_URL, as users run them. */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const HOOK = 'https://hooks.example.com/in';
const prefix = uniquePrefix('wh-cli');
const env = { REDIS_URL, CHATBATCH_PREFIX: prefix, CHATBATCH_WEBHOOK_SECRET: SECRET };
let dir = '';
let csv = '';
let producer: ProducerContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatbatch-wh-'));
  csv = join(dir, 'in.csv');
  await writeFile(csv, 'agent_id,input\nagent-1,hello\n');
  producer = await openProducer(loadConfig(env));
});
afterAll(async () => {
  await producer.close();
  await deletePrefix(prefix);
  await rm(dir, { recursive: true, force: true });
});

const hash = (batchId: string) => producer.redis.hgetall(producer.keys.batch(batchId));

describe('chatbatch ingest webhook options', () => {
  it('--webhook-url and --webhook-events are kept on the batch', async () => {
    const run = await runCli(
      [
        'ingest',
        csv,
        '--batch',
        'cli-wh',
        '--webhook-url',
        HOOK,
        '--webhook-events',
        'conversation.finished',
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(await hash('cli-wh')).toMatchObject({
      webhookUrl: HOOK,
      webhookEvents: 'conversation.finished',
    });
  });

  it('CHATBATCH_WEBHOOK_URL is the default of batches that name none', async () => {
    const run = await runCli(['ingest', csv, '--batch', 'cli-default'], {
      ...env,
      CHATBATCH_WEBHOOK_URL: 'https://hooks.example.com/default',
    });
    expect(run.code, run.stderr).toBe(0);
    expect((await hash('cli-default')).webhookUrl).toBe('https://hooks.example.com/default');
    await runCli(['ingest', csv, '--batch', 'cli-none'], env);
    expect((await hash('cli-none')).webhookUrl).toBeUndefined();
  });

  it.each([
    [['--webhook-url', 'ftp://x.example.com/'], 2, '--webhook-url: must start with http://'],
    [['--webhook-url', HOOK, '--webhook-events', 'batch.all'], 2, '--webhook-events'],
    [['--webhook-events', 'conversation.finished'], 2, 'needs a webhook URL'],
  ])('refuses %j (exit %i)', async (flags, code, message) => {
    const run = await runCli(['ingest', csv, '--batch', 'cli-bad', ...flags], env);
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(message);
  });

  it('a webhook URL without CHATBATCH_WEBHOOK_SECRET is a configuration error naming it', async () => {
    const { CHATBATCH_WEBHOOK_SECRET: _secret, ...noSecret } = env;
    const flag = await runCli(['ingest', csv, '--batch', 'cli-x', '--webhook-url', HOOK], {
      ...noSecret,
      CHATBATCH_WEBHOOK_SECRET: '',
    });
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('CHATBATCH_WEBHOOK_SECRET');
    const variable = await runCli(['ingest', csv, '--batch', 'cli-x'], {
      ...noSecret,
      CHATBATCH_WEBHOOK_SECRET: '',
      CHATBATCH_WEBHOOK_URL: HOOK,
    });
    expect(variable.code).toBe(1);
    expect(variable.stderr).toContain('CHATBATCH_WEBHOOK_SECRET');
    expect(await producer.batchStore.status('cli-x')).toBeUndefined();
  });
});
