import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/producer/api/app.js';
import { loadConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { createMetrics } from '../../src/shared/metrics.js';
import { AUTH, OTHER_TOKEN, TOKEN, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

describe('CHATBATCH_API_TOKENS that are weak', () => {
  it('starts with a warning per short token and for empty entries, never naming a token', async () => {
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
    const config = loadConfig({
      CHATBATCH_API_TOKENS: ' ,x, ,short-token-1,a-good-long-random-token-0f3c',
    });
    const app = await buildApp({
      config,
      services: h.services,
      metrics: createMetrics(new Registry(), { defaultMetrics: false }),
      logger,
    });
    try {
      const warnings = lines
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((entry) => entry.level === 40)
        .map((entry) => entry.msg);
      expect(warnings).toEqual([
        'CHATBATCH_API_TOKENS: 2 empty entries (stray commas or spaces) are ignored',
        'CHATBATCH_API_TOKENS: token 1 is 1 character long; use at least 16 random characters',
        'CHATBATCH_API_TOKENS: token 2 is 13 characters long; use at least 16 random characters',
      ]);
      expect(lines.join('')).not.toContain('short-token-1');
    } finally {
      await app.close();
    }
  });

  it('warns nothing for the harness tokens (16 characters and more)', () => {
    expect(
      loadConfig({ CHATBATCH_API_TOKENS: `${TOKEN},${OTHER_TOKEN}` }).apiTokenWarnings,
    ).toEqual([]);
  });
});

describe('Idempotency-Key is bound to the token that sent it', () => {
  it('the same key from another token is another key: it runs, it is not a replay nor a 422', async () => {
    const body = { agentId: 'a', conversations: [{ turns: ['x'] }] };
    const post = (token: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/batches',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'shared-across-tokens' },
        payload: body,
      });
    const first = await post(TOKEN);
    const other = await post(OTHER_TOKEN);
    expect(first.statusCode).toBe(202);
    expect(other.statusCode).toBe(202);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.json().batchId).not.toBe(first.json().batchId);
    const again = await post(TOKEN);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });
});

describe('browser pages', () => {
  it.each(['/docs', '/docs/', '/docs/json', '/admin/queues'])(
    '%s has a CSP with frame-ancestors none',
    async (url) => {
      for (const headers of [AUTH, {}]) {
        const response = await h.app.inject({ url, headers });
        expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(response.headers['content-security-policy']).toContain("script-src 'self'");
        expect(response.headers['x-frame-options']).toBe('DENY');
      }
    },
  );

  it('their HTML runs no inline script, so the policy does not break them', async () => {
    for (const url of ['/docs', '/admin/queues']) {
      const html = (await h.app.inject({ url, headers: AUTH })).body;
      const inline = [...html.matchAll(/<script\b([^>]*)>/g)].filter(
        ([, attributes]) =>
          !/\bsrc=/.test(attributes!) && !/type="application\/json"/.test(attributes!),
      );
      expect(inline, url).toEqual([]);
    }
  });

  it('other routes are left alone (the web console sets its own)', async () => {
    for (const url of ['/v1/batches', '/healthz', '/metrics']) {
      const response = await h.app.inject({ url, headers: AUTH });
      expect(response.headers['content-security-policy'], url).toBeUndefined();
    }
  });
});
