import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, ApiStartError } from '../../src/producer/api/app.js';
import { createTokenVerifier, presentedToken } from '../../src/producer/api/auth.js';
import { createLogger } from '../../src/shared/logger.js';
import { createMetrics } from '../../src/shared/metrics.js';
import {
  AUTH,
  OTHER_TOKEN,
  TOKEN,
  VENDOR_KEY,
  createApiHarness,
  type ApiHarness,
} from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const basic = (password: string) =>
  `Basic ${Buffer.from(`someone:${password}`).toString('base64')}`;

describe('bearer auth', () => {
  const protectedRoutes = [
    ['GET', '/v1/batches'],
    ['GET', '/v1/batches/b1'],
    ['GET', '/v1/batches/b1/results'],
    ['POST', '/v1/batches'],
    ['POST', '/v1/batches/b1/cancel'],
    ['POST', '/v1/batches/b1/pause'],
    ['POST', '/v1/batches/b1/resume'],
    ['POST', '/v1/batches/b1/retry-failed'],
    ['GET', '/v1/batches/b1/conversations/c1'],
    ['POST', '/v1/batches/b1/conversations/c1/turns'],
    ['GET', '/admin/queues'],
    ['GET', '/docs/json'],
    ['GET', '/no/such/route'],
  ] as const;

  it.each(protectedRoutes)('%s %s: 401 JSON without a token', async (method, url) => {
    const response = await h.app.inject({ method, url });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      error: 'unauthorized',
      message: 'missing bearer token: send Authorization: Bearer <token>',
    });
    expect(response.headers['www-authenticate']).toBeDefined();
  });

  it.each(protectedRoutes)('%s %s: 401 with a wrong token', async (method, url) => {
    for (const authorization of [
      'Bearer wrong',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      TOKEN,
      `Token ${TOKEN}`,
    ]) {
      const response = await h.app.inject({ method, url, headers: { authorization } });
      expect(response.statusCode, authorization).toBe(401);
      expect(response.json().error).toBe('unauthorized');
    }
  });

  it('accepts every configured token, and nothing else gets past the check', async () => {
    for (const token of [TOKEN, OTHER_TOKEN]) {
      const response = await h.app.inject({
        method: 'GET',
        url: '/v1/batches',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(200);
    }
  });

  it('leaves /healthz, /readyz and /metrics open', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      const response = await h.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
    }
  });

  it('takes the token as a Basic password on the browser pages only', async () => {
    const docs = await h.app.inject({
      method: 'GET',
      url: '/docs/json',
      headers: { authorization: basic(TOKEN) },
    });
    expect(docs.statusCode).toBe(200);
    const board = await h.app.inject({
      method: 'GET',
      url: '/admin/queues',
      headers: { authorization: basic(OTHER_TOKEN) },
    });
    expect(board.statusCode).toBe(200);
    const challenge = await h.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(challenge.headers['www-authenticate']).toMatch(/^Basic /);
    const wrong = await h.app.inject({
      method: 'GET',
      url: '/docs/json',
      headers: { authorization: basic('nope') },
    });
    expect(wrong.statusCode).toBe(401);
    const api = await h.app.inject({
      method: 'GET',
      url: '/v1/batches',
      headers: { authorization: basic(TOKEN) },
    });
    expect(api.statusCode).toBe(401);
  });

  it('serves the queue dashboard behind auth', async () => {
    const response = await h.app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: AUTH,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().queues[0].name).toBe('turns');
  });
});

describe('token verification', () => {
  it('compares whole tokens', () => {
    const verify = createTokenVerifier(['abc', 'longer-token']);
    expect(verify('abc')).toBe(true);
    expect(verify('longer-token')).toBe(true);
    expect(verify('ab')).toBe(false);
    expect(verify('abcd')).toBe(false);
    expect(verify('')).toBe(false);
    expect(createTokenVerifier([])('abc')).toBe(false);
  });

  it('reads bearer tokens, and Basic passwords only where allowed', () => {
    expect(presentedToken('Bearer abc', false)).toBe('abc');
    expect(presentedToken('bearer   abc ', false)).toBe('abc');
    expect(presentedToken('Bearer ', false)).toBeUndefined();
    expect(presentedToken(undefined, true)).toBeUndefined();
    expect(presentedToken(basic('p:w'), true)).toBe('p:w');
    expect(presentedToken(basic('pw'), false)).toBeUndefined();
  });
});

describe('starting the API', () => {
  const deps = () => ({
    services: h.services,
    metrics: createMetrics(new Registry(), { defaultMetrics: false }),
  });

  it('refuses to start without a token', async () => {
    await expect(
      buildApp({
        ...deps(),
        config: { ...h.config, apiTokens: [] },
        logger: createLogger('silent'),
      }),
    ).rejects.toThrow(ApiStartError);
  });

  it('starts without tokens with --insecure-no-auth, with a warning, and asks no token', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const app = await buildApp({
      ...deps(),
      config: { ...h.config, apiTokens: [] },
      logger,
      insecureNoAuth: true,
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/v1/batches' });
      expect(response.statusCode).toBe(200);
      const warning = lines.map((line) => JSON.parse(line)).find((entry) => entry.level === 40);
      expect(warning?.msg).toMatch(/authentication is OFF/);
    } finally {
      await app.close();
    }
  });
});

describe('secrets', () => {
  it('never appear in a response or a log line', async () => {
    const requests = [
      { method: 'GET', url: '/v1/batches', headers: AUTH },
      { method: 'GET', url: '/v1/batches', headers: { authorization: `Bearer ${TOKEN}-wrong` } },
      { method: 'GET', url: '/docs/json', headers: AUTH },
      { method: 'GET', url: '/metrics' },
      {
        method: 'POST',
        url: '/v1/batches',
        headers: AUTH,
        payload: { agentId: 'agent', conversations: [{ turns: ['hello'] }] },
      },
      { method: 'POST', url: '/v1/batches', headers: AUTH, payload: { conversations: 'x' } },
      {
        method: 'POST',
        url: '/v1/batches',
        headers: { ...AUTH, 'content-type': 'text/plain' },
        payload: 'x',
      },
      { method: 'GET', url: '/v1/batches/unknown', headers: AUTH },
    ] as const;
    const bodies: string[] = [];
    for (const request of requests) {
      const response = await h.app.inject(request);
      bodies.push(JSON.stringify(response.headers), response.body);
    }
    const everything = [...bodies, ...h.logs].join('\n');
    expect(h.logs.length).toBeGreaterThan(10);
    for (const secret of [TOKEN, OTHER_TOKEN, VENDOR_KEY]) {
      expect(everything).not.toContain(secret);
    }
  });
});
