import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
let root: string;

beforeAll(async () => {
  // A stand-in for dist/console, so this test does not depend on a build.
  root = mkdtempSync(path.join(tmpdir(), 'chatbatch-console-'));
  mkdirSync(path.join(root, 'pages'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(path.join(root, 'main.js'), 'export {};\n');
  writeFileSync(path.join(root, 'pages', 'batch.js'), 'export const page = 1;\n');
  writeFileSync(path.join(root, 'style.css'), 'body { margin: 0 }\n');
  writeFileSync(path.join(root, 'main.js.map'), '{}');
  writeFileSync(path.join(root, 'notes.txt'), 'not served');
  h = await createApiHarness({ deps: { consoleRoot: root } });
});
afterAll(async () => {
  await h.close();
  rmSync(root, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'GET', url, headers });

describe('the web console', () => {
  it('serves its page and files without a token, with strict security headers', async () => {
    const page = await get('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>console</title>');
    const csp = String(page.headers['content-security-policy']);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ])
      expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');

    const script = await get('/console/pages/batch.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('export const page = 1;\n');
    expect(script.headers['content-security-policy']).toBe(csp);
    expect((await get('/console/style.css')).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
  });

  it('answers 304 to a revalidation of an unchanged file', async () => {
    const first = await get('/console/main.js');
    const etag = String(first.headers.etag);
    expect(first.headers['cache-control']).toBe('no-cache');
    const again = await get('/console/main.js', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves nothing else from its folder, and no path outside it', async () => {
    for (const url of [
      '/console/main.js.map',
      '/console/notes.txt',
      '/console/nope.js',
      '/console/..%2f..%2fpackage.json',
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error, url).toBe('not_found');
    }
    // Resolved to /package.json before routing: an unknown path, which needs a token.
    for (const url of ['/console/../package.json', '/console/%2e%2e/%2e%2e/package.json']) {
      const dotted = await get(url);
      expect(dotted.statusCode, url).toBe(401);
      expect(dotted.body, url).not.toContain('chatbatch');
    }
  });

  it('keeps its headers off the API, and the API behind the token', async () => {
    const data = await get('/v1/batches');
    expect(data.statusCode).toBe(401);
    expect(data.headers['content-security-policy']).toBeUndefined();
    const authed = await get('/v1/batches', AUTH);
    expect(authed.statusCode).toBe(200);
    expect(authed.headers['content-security-policy']).toBeUndefined();
    expect((await get('/healthz')).headers['x-frame-options']).toBeUndefined();
  });

  it('answers 404 at / when the console is not built, and the API still starts', async () => {
    const bare = await createApiHarness({ deps: { consoleRoot: path.join(root, 'missing') } });
    try {
      expect((await bare.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
      expect(bare.logs.join('')).toContain('web console not built');
    } finally {
      await bare.close();
    }
  });
});
