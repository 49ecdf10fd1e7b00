import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/throwaway-redis.js';
import { repoPath } from './helpers/repo-files.js';
import { runTool } from './helpers/tools.js';

/** The compose health checks of api, worker and mock-api: `node /app/http-check.mjs <url>`. */
const SCRIPT = repoPath('deploy/docker/http-check.mjs');
const check = (...args: string[]) => runTool(process.execPath, [SCRIPT, ...args]);

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(req.url === '/ok' ? 200 : 503).end('body');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('deploy/docker/http-check.mjs', () => {
  it('exits 0 on a 2xx answer', async () => {
    expect((await check(`${base}/ok`)).code).toBe(0);
  });

  it('exits 1 on an error status, unless --any-status', async () => {
    const failed = await check(`${base}/down`);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('HTTP 503');
    expect((await check(`${base}/down`, '--any-status')).code).toBe(0);
  });

  it('exits 1 when nothing listens, 2 on bad usage', async () => {
    expect((await check(`http://127.0.0.1:${await freePort()}/metrics`)).code).toBe(1);
    expect((await check()).code).toBe(2);
    expect((await check(`${base}/ok`, '--bogus')).code).toBe(2);
  });
});
