import { afterEach, describe, expect, it } from 'vitest';
import {
  CAPACITY_PATH,
  createSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';
import { spawnCli, waitFor, type Spawned } from '../helpers/cli.js';

const turn = { agentId: 'agent-1', input: 'Where is my order?' };
let sim: Simulator | undefined;
let cli: Spawned | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  if (cli && cli.child.exitCode === null) cli.child.kill('SIGTERM');
  await cli?.exited;
  cli = undefined;
});

async function start(options: SimulatorOptions): Promise<Simulator> {
  sim = await createSimulator(options);
  return sim;
}

const post = (url: string) =>
  fetch(`${url}/v1/chats`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(turn),
  });

const control = (url: string, method: string, body?: string) =>
  fetch(`${url}${CAPACITY_PATH}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });

describe('simulator: capacity', () => {
  it('answers 429 with Retry-After: 1 beyond the capacity of a sliding second', async () => {
    const s = await start({ capacity: 3 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(s.url)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await post(s.url);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    expect(s.log.map((e) => e.fault ?? null)).toEqual([
      null,
      null,
      null,
      'capacity',
      'capacity',
      'capacity',
    ]);
    // A second later the window has room again.
    await new Promise((r) => setTimeout(r, 1050));
    expect((await post(s.url)).status).toBe(200);
  });

  it('GET and PUT /__control/capacity read and change it while running', async () => {
    const s = await start({});
    expect(await (await control(s.url, 'GET')).json()).toEqual({ capacity: null });
    const put = await control(s.url, 'PUT', '{"capacity": 1}');
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ capacity: 1 });
    expect(s.capacity).toBe(1);
    expect([(await post(s.url)).status, (await post(s.url)).status]).toEqual([200, 429]);
    await control(s.url, 'PUT', '{"capacity": null}');
    expect(s.capacity).toBeUndefined();
    expect((await post(s.url)).status).toBe(200);
  });

  it('setCapacity() changes it in process', async () => {
    const s = await start({});
    s.setCapacity(0);
    expect((await post(s.url)).status).toBe(429);
    s.setCapacity(undefined);
    expect((await post(s.url)).status).toBe(200);
  });

  it('refuses a bad control request with a clear message, and keeps the capacity', async () => {
    const s = await start({ capacity: 7 });
    for (const body of ['{"capacity": -1}', '{"capacity": "60"}', '{}', 'not json']) {
      const res = await control(s.url, 'PUT', body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/capacity|JSON/);
    }
    const del = await control(s.url, 'DELETE');
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, PUT');
    expect(s.capacity).toBe(7);
  });

  it('rejects a negative capacity option', async () => {
    await expect(createSimulator({ capacity: -5 })).rejects.toThrow(/capacity/);
  });

  it('chatbatch mock-api --capacity R', async () => {
    cli = spawnCli(['mock-api', '--port', '0', '--capacity', '2'], {});
    await waitFor(() => /listening at (\S+)/.test(cli!.output()), { what: 'mock-api to listen' });
    const url = /listening at (http:\/\/[^\s(]+)/.exec(cli.output())![1]!;
    expect(cli.output()).toContain('capacity 2 requests/s');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(url)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
