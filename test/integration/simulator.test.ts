import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSimulator,
  parseFaultSpec,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';

const KEY = 'test-key';
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await createSimulator({ apiKey: KEY, ...options });
  return sim;
}

interface PostOptions {
  headers?: Record<string, string>;
  rawBody?: string;
}

function post(s: Simulator, body: unknown, options: PostOptions = {}): Promise<Response> {
  return fetch(`${s.url}/v1/chats`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY, ...options.headers },
    body: options.rawBody ?? JSON.stringify(body),
  });
}

/** Yields the given numbers in turn (then repeats the last), to force each random draw. */
function draws(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] as number;
}

/** The documented success shape, as a client should check it. */
function isChatShape(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.chatId === 'string' &&
    /^chat[-_]/.test(b.chatId) &&
    typeof b.createdAt === 'string' &&
    ['in-progress', 'in_progress', 'ended', 'error'].includes(b.status as string) &&
    Array.isArray(b.response) &&
    typeof b.agent === 'object'
  );
}

const turn = { agentId: 'agent-1', input: 'Where is my order?' };

describe('simulator: success', () => {
  it('answers the documented shape and logs the request', async () => {
    const s = await start();
    const res = await post(s, { ...turn, dynamicVariables: { customer_name: 'Michael' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      chatId: expect.stringMatching(/^chat-[A-Za-z0-9]{16}$/),
      createdAt: expect.any(String),
      status: 'in-progress',
      response: [
        {
          id: expect.stringMatching(/^chat-item-[A-Za-z0-9]{16}$/),
          role: 'assistant',
          type: 'message',
          content: [expect.stringContaining('Where is my order?')],
        },
      ],
      agent: { name: 'Simulated Agent', agentId: 'agent-1', status: 'active' },
    });
    expect(new Date(body.createdAt as string).toISOString()).toBe(body.createdAt);
    expect(s.log).toEqual([
      {
        seq: 1,
        receivedAt: expect.any(Number),
        agentId: 'agent-1',
        input: 'Where is my order?',
        dynamicVariables: { customer_name: 'Michael' },
        apiKeyOk: true,
        status: 200,
        chatId: body.chatId,
      },
    ]);
    expect(s.stats()).toEqual({
      requests: 1,
      chatsCreated: 1,
      byStatus: { '200': 1 },
      byFault: {},
    });
  });

  it('records previousChatId and accepts chats from elsewhere (chat- or chat_ prefix)', async () => {
    const s = await start();
    const first = (await (await post(s, turn)).json()) as { chatId: string };
    expect((await post(s, { ...turn, previousChatId: first.chatId })).status).toBe(200);
    expect((await post(s, { ...turn, previousChatId: 'chat_fromAnotherRun' })).status).toBe(200);
    expect(s.log.map((e) => e.previousChatId)).toEqual([
      undefined,
      first.chatId,
      'chat_fromAnotherRun',
    ]);
  });

  it('varies 200/201, chat-/chat_ and in-progress/in_progress when asked', async () => {
    const s = await start({ alternateSuccessCodes: true });
    const seen = { codes: new Set<number>(), prefixes: new Set<string>(), statuses: new Set() };
    for (let i = 0; i < 8; i++) {
      const res = await post(s, turn);
      const body = (await res.json()) as { chatId: string; status: string };
      expect(isChatShape(body)).toBe(true);
      seen.codes.add(res.status);
      seen.prefixes.add(body.chatId.slice(0, 5));
      seen.statuses.add(body.status);
    }
    expect(seen).toEqual({
      codes: new Set([200, 201]),
      prefixes: new Set(['chat-', 'chat_']),
      statuses: new Set(['in-progress', 'in_progress']),
    });
  });

  it('ends a chain once it reaches endAfterTurns', async () => {
    const s = await start({ endAfterTurns: 3 });
    const statuses: string[] = [];
    let previousChatId: string | undefined;
    for (let i = 0; i < 3; i++) {
      const body = (await (await post(s, { ...turn, previousChatId })).json()) as {
        chatId: string;
        status: string;
      };
      statuses.push(body.status);
      previousChatId = body.chatId;
    }
    expect(statuses).toEqual(['in-progress', 'in-progress', 'ended']);
    // A chat made elsewhere counts as one turn before the new one.
    const other = (await (await post(s, { ...turn, previousChatId: 'chat-external' })).json()) as {
      status: string;
    };
    expect(other.status).toBe('in-progress');
  });

  it('lets a script force an answer per request', async () => {
    const s = await start({
      script: (req) => {
        if (req.input === 'reject me') return { httpStatus: 422 };
        if (req.input === 'bye') return { chatStatus: 'ended', content: 'Goodbye!' };
        return undefined;
      },
    });
    expect((await post(s, { ...turn, input: 'reject me' })).status).toBe(422);
    const bye = (await (await post(s, { ...turn, input: 'bye' })).json()) as {
      status: string;
      response: { content: string[] }[];
    };
    expect(bye.status).toBe('ended');
    expect(bye.response[0]?.content).toEqual(['Goodbye!']);
    expect((await post(s, turn)).status).toBe(200);
  });
});

describe('simulator: rejections', () => {
  it('answers 401 to a missing or wrong key and never logs the key', async () => {
    const s = await start();
    const wrong = await post(s, turn, { headers: { 'x-api-key': 'not-the-key' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'unauthorized', message: expect.any(String) });
    const missing = await fetch(`${s.url}/v1/chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(turn),
    });
    expect(missing.status).toBe(401);
    expect(s.log.map((e) => [e.status, e.apiKeyOk])).toEqual([
      [401, false],
      [401, false],
    ]);
    expect(JSON.stringify(s.log)).not.toContain('not-the-key');
    // The unread body of a refused request does not spoil the kept-alive connection.
    expect((await post(s, turn)).status).toBe(200);
  });

  it('answers 415 unless the body is declared JSON', async () => {
    const s = await start();
    const res = await post(s, turn, { headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: 'unsupported_media_type' });
    const charset = await post(s, turn, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(charset.status).toBe(200);
  });

  it('answers 413 to a body over 1 MB', async () => {
    const s = await start();
    const res = await post(s, undefined, {
      rawBody: JSON.stringify({ ...turn, input: 'x'.repeat(1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    // The connection stays usable after the oversized body.
    expect((await post(s, turn)).status).toBe(200);
  });

  const long = (n: number) => 'a'.repeat(n);
  // [case, body to send as JSON, or raw body text instead, part of the expected message]
  it.each<[string, unknown, string | undefined, string]>([
    ['invalid JSON', undefined, '{"agentId":', 'not valid JSON'],
    ['a JSON array', [turn], undefined, 'must be a JSON object'],
    ['an unknown key', { ...turn, metadata: {} }, undefined, 'metadata: unknown field'],
    ['a missing agentId', { input: 'x' }, undefined, 'agentId'],
    ['an empty agentId', { ...turn, agentId: '' }, undefined, 'agentId'],
    ['a 65-char agentId', { ...turn, agentId: long(65) }, undefined, 'agentId'],
    ['a numeric agentId', { ...turn, agentId: 7 }, undefined, 'agentId'],
    ['a missing input', { agentId: 'a' }, undefined, 'input'],
    ['an empty input', { ...turn, input: '' }, undefined, 'input'],
    ['a 20,481-char input', { ...turn, input: long(20_481) }, undefined, 'input'],
    [
      'nested variables',
      { ...turn, dynamicVariables: { a: { b: 1 } } },
      undefined,
      'dynamicVariables.a',
    ],
    ['variables as array', { ...turn, dynamicVariables: ['x'] }, undefined, 'dynamicVariables'],
    [
      'a 129-char previousChatId',
      { ...turn, previousChatId: `chat-${long(124)}` },
      undefined,
      'previousChatId',
    ],
  ])('answers 422 to %s', async (_name, body, rawBody, message) => {
    const s = await start();
    const res = await post(s, body, rawBody === undefined ? {} : { rawBody });
    expect(res.status).toBe(422);
    const json = (await res.json()) as { error: string; message: string };
    expect(json.error).toBe('validation_error');
    expect(json.message).toContain(message);
    expect(s.log[0]?.status).toBe(422);
    expect(s.log[0]?.chatId).toBeUndefined();
  });

  it('accepts every field at its limit', async () => {
    const s = await start();
    const res = await post(s, {
      agentId: long(64),
      input: long(20_480),
      previousChatId: `chat-${long(123)}`,
      dynamicVariables: { s: 'x', n: 1.5, b: false },
    });
    expect(res.status).toBe(200);
  });

  it('answers 404 to a previousChatId it cannot know', async () => {
    const s = await start();
    const res = await post(s, { ...turn, previousChatId: 'conv-123' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    expect(s.log[0]).toMatchObject({ status: 404, previousChatId: 'conv-123' });
  });

  it('answers 404 to other paths and 405 to other methods', async () => {
    const s = await start();
    expect((await fetch(`${s.url}/v1/other`, { method: 'POST' })).status).toBe(404);
    const get = await fetch(`${s.url}/v1/chats`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ error: 'method_not_allowed' });
  });
});

describe('simulator: faults', () => {
  it('answers 429 with Retry-After', async () => {
    const s = await start({ faults: parseFaultSpec('429=1,retry-after=7') });
    const res = await post(s, turn);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toMatchObject({ error: 'rate_limited' });
    expect(s.log[0]).toMatchObject({ status: 429, fault: '429' });
    expect(s.log[0]?.chatId).toBeUndefined();
  });

  it('answers a random 5xx with a JSON body', async () => {
    // First draw picks the fault, second the status (0.99 → 504).
    const s = await start({ faults: parseFaultSpec('5xx=0.5'), random: draws(0.1, 0.99) });
    const res = await post(s, turn);
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ error: 'gateway_timeout', message: expect.any(String) });
    expect(s.stats().byFault).toEqual({ '5xx': 1 });
  });

  it('draws faults from the mix, and none above its total', async () => {
    const s = await start({ faults: parseFaultSpec('503=0.5'), random: draws(0.7) });
    expect((await post(s, turn)).status).toBe(200);
  });

  it('reset: drops the connection and creates no chat', async () => {
    const s = await start({ faults: parseFaultSpec('reset=1') });
    await expect(post(s, turn)).rejects.toThrow();
    expect(s.log[0]).toMatchObject({ status: 'reset', fault: 'reset' });
    expect(s.log[0]?.chatId).toBeUndefined();
    expect(s.stats().chatsCreated).toBe(0);
  });

  it('lost: creates the chat, then drops the connection', async () => {
    const s = await start({ faults: parseFaultSpec('lost=1') });
    await expect(post(s, turn)).rejects.toThrow();
    expect(s.log[0]).toMatchObject({ status: 'lost', fault: 'lost', agentId: 'agent-1' });
    expect(s.log[0]?.chatId).toMatch(/^chat-/);
    expect(s.stats()).toMatchObject({ chatsCreated: 1, byStatus: { lost: 1 } });
  });

  it('malformed: every variant is a 200 whose body is not the documented shape', async () => {
    for (let variant = 0; variant < 5; variant++) {
      const s = await start({
        faults: parseFaultSpec('malformed=1'),
        random: draws(0, (variant + 0.5) / 5),
      });
      const res = await post(s, turn);
      expect(res.status).toBe(200);
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      expect(isChatShape(parsed), text).toBe(false);
      await s.close();
    }
  });

  it('error: a 200 chat whose status is "error"', async () => {
    const s = await start({ faults: parseFaultSpec('error=1') });
    const res = await post(s, turn);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; chatId: string };
    expect(body.status).toBe('error');
    expect(s.log[0]).toMatchObject({ status: 200, fault: 'error', chatId: body.chatId });
  });

  it('a specific status code key answers that code', async () => {
    const s = await start({ faults: parseFaultSpec('401=1') });
    expect((await post(s, turn)).status).toBe(401);
  });
});

describe('simulator: latency and load', () => {
  it('waits latencyMs (plus jitter) before answering', async () => {
    const s = await start({ latencyMs: 150, latencyJitterMs: 100, random: () => 0.5 });
    const t0 = performance.now();
    expect((await post(s, turn)).status).toBe(200);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1500);
  });

  it('holds hundreds of requests waiting at once', async () => {
    const s = await start({ latencyMs: 200 });
    const t0 = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        post(s, { ...turn, input: `q${i}` }).then((r) => r.status),
      ),
    );
    expect(statuses.every((code) => code === 200)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(new Set(s.log.map((e) => e.chatId)).size).toBe(400);
  });
});

describe('simulator: control', () => {
  it('serves /__health and the log as JSON lines at /__log', async () => {
    const s = await start();
    expect((await fetch(`${s.url}/__health`)).status).toBe(200);
    await post(s, turn);
    await post(s, { ...turn, input: '' });
    const res = await fetch(`${s.url}/__log`);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; status: number });
    expect(lines.map((l) => [l.seq, l.status])).toEqual([
      [1, 200],
      [2, 422],
    ]);
  });

  it('reset() forgets the log and the counts but keeps the same log array', async () => {
    const s = await start();
    const log = s.log;
    await post(s, turn);
    s.reset();
    expect(s.log).toBe(log);
    expect(log).toHaveLength(0);
    expect(s.stats().requests).toBe(0);
    await post(s, turn);
    expect(log[0]?.seq).toBe(1);
  });

  it('appends the log to a JSONL file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simulator-'));
    try {
      const file = join(dir, 'log.jsonl');
      const s = await start({ logFile: file });
      await post(s, turn);
      await post(s, turn, { headers: { 'x-api-key': 'wrong' } });
      await s.close();
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as { status: number }).status)).toEqual([200, 401]);
      expect(lines.join('\n')).not.toContain('wrong');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects nonsensical options', async () => {
    await expect(createSimulator({ latencyMs: -1 })).rejects.toThrow(/latencyMs/);
    await expect(createSimulator({ endAfterTurns: 0 })).rejects.toThrow(/endAfterTurns/);
  });
});
