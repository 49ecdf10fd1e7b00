import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/throwaway-redis.js';
import { runCli, spawnCli, waitFor, type Spawned } from '../helpers/cli.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

let running: Spawned | undefined;
let prefix: string | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  if (prefix) await deletePrefix(prefix);
  running = undefined;
  prefix = undefined;
});

describe('chatbatch api', () => {
  it('refuses to start without a token', async () => {
    const result = await runCli(['api', '--port', '0'], {
      REDIS_URL,
      CHATBATCH_API_TOKENS: '',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/CHATBATCH_API_TOKENS: set at least one token/);
  });

  it('serves with a token, and stops on SIGTERM with exit 0', async () => {
    prefix = uniquePrefix('api-cli');
    const port = await freePort();
    running = spawnCli(['api', '--port', String(port), '--host', '127.0.0.1'], {
      REDIS_URL,
      CHATBATCH_PREFIX: prefix,
      CHATBATCH_API_TOKENS: 'cli-token-1,cli-token-2',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(() => running!.output().includes('chatbatch api ready'), { what: 'the API' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/v1/batches`)).status).toBe(401);
    const listed = await fetch(`${base}/v1/batches`, {
      headers: { authorization: 'Bearer cli-token-2' },
    });
    expect(listed.status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.output()).not.toContain('cli-token');
  });

  it('starts without tokens with --insecure-no-auth, and warns', async () => {
    prefix = uniquePrefix('api-cli');
    const port = await freePort();
    running = spawnCli(
      ['api', '--port', String(port), '--host', '127.0.0.1', '--insecure-no-auth'],
      {
        REDIS_URL,
        CHATBATCH_PREFIX: prefix,
        CHATBATCH_API_TOKENS: '',
      },
    );
    await waitFor(() => running!.output().includes('chatbatch api ready'), { what: 'the API' });
    expect(running.output()).toMatch(/authentication is OFF/);
    expect((await fetch(`http://127.0.0.1:${port}/v1/batches`)).status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
