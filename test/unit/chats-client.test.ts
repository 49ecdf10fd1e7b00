import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createChatsClient, type ChatsClient } from '../../src/vendor/chats-client.js';

const API_KEY = 'sk-test-SECRET-9f8e7d';
const OK_BODY = JSON.stringify({
  chatId: 'chat-d17T6uReChpyfFeP',
  createdAt: '2021-04-20T10:00:00.000Z',
  status: 'ended',
  response: [{ id: 'chat-item-1', role: 'assistant', type: 'message', content: ['Hi'] }],
});

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A tiny local vendor; `handler` answers, `seen` records every request, `sockets` counts connections. */
async function startServer(handler: Handler) {
  const seen: Seen[] = [];
  let sockets = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const record = { method: req.method, url: req.url, headers: req.headers, body };
      seen.push(record);
      handler(req, res, record);
    });
  });
  server.on('connection', () => (sockets += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { baseUrl: `http://127.0.0.1:${port}`, seen, sockets: () => sockets };
}

function client(baseUrl: string, over: Partial<Parameters<typeof createChatsClient>[0]> = {}) {
  const c: ChatsClient = createChatsClient({
    baseUrl,
    apiKey: API_KEY,
    timeoutMs: 2000,
    connections: 4,
    ...over,
  });
  cleanups.push(() => c.close());
  return c;
}

const reply =
  (status: number, body: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

describe('createChatsClient', () => {
  it('POSTs exactly the documented body and headers to {base}/v1/chats', async () => {
    const server = await startServer(reply(200, OK_BODY));
    const c = client(`${server.baseUrl}/`);
    const outcome = await c.createChat({
      previousChatId: 'chat-prev',
      input: 'Where is my order?',
      dynamicVariables: { customer_name: 'Michael' },
      agentId: 'D5D0p7TUs66TTAEAx',
    });
    expect(outcome).toMatchObject({ kind: 'success', chatId: 'chat-d17T6uReChpyfFeP', sent: true });
    expect(outcome.durationMs).toBeGreaterThan(0);
    const [req] = server.seen;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v1/chats');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['x-api-key']).toBe(API_KEY);
    expect(req?.body).toBe(
      '{"agentId":"D5D0p7TUs66TTAEAx","input":"Where is my order?",' +
        '"dynamicVariables":{"customer_name":"Michael"},"previousChatId":"chat-prev"}',
    );
  });

  it('leaves absent optional keys out and keeps a __proto__ variable', async () => {
    const server = await startServer(reply(201, OK_BODY));
    const c = client(server.baseUrl);
    await c.createChat({ agentId: 'a', input: 'hi' });
    const vars = JSON.parse('{"__proto__":"x"}') as Record<string, string>;
    await c.createChat({ agentId: 'a', input: 'hi', dynamicVariables: vars });
    expect(server.seen.map((s) => s.body)).toEqual([
      '{"agentId":"a","input":"hi"}',
      '{"agentId":"a","input":"hi","dynamicVariables":{"__proto__":"x"}}',
    ]);
  });

  it('keeps connections alive and never opens more than `connections`', async () => {
    const server = await startServer((req, res, seen) => {
      setTimeout(() => reply(200, OK_BODY)(req, res, seen), 20);
    });
    const c = client(server.baseUrl, { connections: 2 });
    // undici may open a second socket while the first is being released; it reuses them after.
    for (let i = 0; i < 10; i += 1) await c.createChat({ agentId: 'a', input: 'hi' });
    expect(server.sockets()).toBeLessThanOrEqual(2);
    const all = await Promise.all(
      Array.from({ length: 8 }, () => c.createChat({ agentId: 'a', input: 'hi' })),
    );
    expect(all.every((o) => o.kind === 'success')).toBe(true);
    expect(server.sockets()).toBe(2);
  });

  it('classifies HTTP errors with Retry-After and never throws', async () => {
    const server = await startServer(reply(429, '{"error":"slow down"}', { 'retry-after': '3' }));
    const outcome = await client(server.baseUrl).createChat({ agentId: 'a', input: 'hi' });
    expect(outcome).toMatchObject({
      kind: 'retry',
      reason: 'rate-limited',
      code: 'http_429',
      httpStatus: 429,
      retryAfterMs: 3000,
      sent: true,
    });
  });

  it('fails a 422 at once', async () => {
    const server = await startServer(reply(422, '{"message":"input too long"}'));
    const outcome = await client(server.baseUrl).createChat({ agentId: 'a', input: 'hi' });
    expect(outcome).toMatchObject({ kind: 'fail', code: 'http_422', httpStatus: 422 });
  });

  it('never puts the API key in a message, even when the vendor echoes it', async () => {
    const server = await startServer(reply(401, `invalid api key ${API_KEY} for X-API-Key`));
    const outcome = await client(server.baseUrl).createChat({ agentId: 'a', input: 'hi' });
    expect(outcome).toMatchObject({ kind: 'fail', code: 'http_401' });
    expect(JSON.stringify(outcome)).not.toContain(API_KEY);
    expect(outcome.kind !== 'success' && outcome.message).toContain('[redacted]');
  });

  it('times out a vendor that never answers: retry, timeout, sent', async () => {
    const server = await startServer(() => {
      /* never answer */
    });
    const outcome = await client(server.baseUrl, { timeoutMs: 150 }).createChat({
      agentId: 'a',
      input: 'hi',
    });
    expect(outcome).toMatchObject({ kind: 'retry', code: 'timeout', httpStatus: null, sent: true });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(140);
    expect(JSON.stringify(outcome)).not.toContain(API_KEY);
  });

  it('times out a body that stalls after the headers', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"chatId":');
    });
    const outcome = await client(server.baseUrl, { timeoutMs: 150 }).createChat({
      agentId: 'a',
      input: 'hi',
    });
    expect(outcome).toMatchObject({ kind: 'retry', code: 'timeout', httpStatus: null, sent: true });
  });

  it('reports a reset connection as a network error that may have been sent', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const outcome = await client(server.baseUrl).createChat({ agentId: 'a', input: 'hi' });
    expect(outcome).toMatchObject({ kind: 'retry', code: 'network', httpStatus: null, sent: true });
  });

  it.each(['127.0.0.1', 'localhost'])(
    'reports a refused connection (%s) as network, not sent',
    async (host) => {
      const server = await startServer(reply(200, OK_BODY));
      const port = new URL(server.baseUrl).port;
      await cleanups.pop()?.();
      const c = client(`http://${host}:${port}`);
      const outcome = await c.createChat({ agentId: 'a', input: 'hi' });
      expect(outcome).toMatchObject({
        kind: 'retry',
        reason: 'transient',
        code: 'network',
        httpStatus: null,
        sent: false,
      });
      expect(outcome.kind !== 'success' && outcome.message).toMatch(/ECONNREFUSED/);
      expect(JSON.stringify(outcome)).not.toContain(API_KEY);
    },
  );

  it('works over an injected dispatcher, which it leaves open', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    cleanups.push(() => agent.close());
    agent
      .get('https://vendor.test')
      .intercept({ path: '/v1/chats', method: 'POST' })
      .reply(200, JSON.stringify({ chatId: 'chat_x', status: 'in_progress', response: [] }));
    const c = client('https://vendor.test', { dispatcher: agent });
    const outcome = await c.createChat({ agentId: 'a', input: 'hi' });
    expect(outcome).toMatchObject({ kind: 'success', chatId: 'chat_x', chatStatus: 'in-progress' });
    await c.close();
    agent.assertNoPendingInterceptors();
  });

  it('passes its clock to Retry-After dates', async () => {
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const date = new Date(now + 20_000).toUTCString();
    const server = await startServer(reply(503, '', { 'retry-after': date }));
    const outcome = await client(server.baseUrl, { now: () => now }).createChat({
      agentId: 'a',
      input: 'hi',
    });
    expect(outcome).toMatchObject({ kind: 'retry', code: 'http_503', retryAfterMs: 20_000 });
  });

  it('close() is idempotent', async () => {
    const server = await startServer(reply(200, OK_BODY));
    const c = client(server.baseUrl);
    await c.createChat({ agentId: 'a', input: 'hi' });
    await Promise.all([c.close(), c.close()]);
  });
});
