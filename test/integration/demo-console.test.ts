import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, waitFor } from '../helpers/cli.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('npm run demo', () => {
  it('serves the web console with a token of its own while it runs, and ends when piped', async () => {
    const prefix = uniquePrefix('demo');
    const cwd = mkdtempSync(path.join(tmpdir(), 'chatbatch-demo-'));
    cleanups.push(async () => void (await deletePrefix(prefix)));
    cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
    const env: Record<string, string | undefined> = {
      ...process.env,
      REDIS_URL,
      CHATBATCH_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    };
    delete env.API_PORT; // any free port
    const child = spawn(process.execPath, [CLI, 'demo'], { cwd, env, stdio: 'pipe' });
    cleanups.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    await waitFor(() => stdout.includes('\n'), { timeoutMs: 30_000, what: 'the first line' });
    const first = stdout.split('\n')[0]!;
    const match =
      /^Web console at (http:\/\/127\.0\.0\.1:\d+\/) \(sign in with the token (demo-[\w-]+)\)$/.exec(
        first,
      );
    expect(match, first).not.toBeNull();
    const [, url, token] = match!;

    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/console/main.js">');
    const list = await fetch(`${url}v1/batches`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    expect((await fetch(`${url}v1/batches`)).status).toBe(401);

    // Not a terminal: the demo ends by itself, as scripts expect, and takes the console along.
    expect(await exited).toBe(0);
    expect(stdout).toContain('batch demo-');
    expect(stdout).not.toContain('Press Ctrl-C');
    await expect(fetch(url!)).rejects.toThrow();
  }, 90_000);
});
