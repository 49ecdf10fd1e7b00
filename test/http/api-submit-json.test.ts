import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  // Small limits so that 413 is cheap to reach.
  h = await createApiHarness({
    env: { CHATBATCH_API_JSON_LIMIT_MB: '0.05', CHATBATCH_API_CSV_LIMIT_MB: '0.05' },
  });
});
afterAll(() => h.close());

const submit = (payload: unknown, headers: Record<string, string> = {}, url = '/v1/batches') =>
  h.app.inject({
    method: 'POST',
    url,
    headers: { ...AUTH, ...headers },
    payload: payload as never,
  });
const get = (url: string) => h.app.inject({ method: 'GET', url, headers: AUTH });

describe('POST /v1/batches with JSON', () => {
  it('enqueues valid conversations and reports each rejected one with its index and reasons', async () => {
    const response = await submit({
      batchId: 'json-1',
      agentId: 'agent-A',
      conversations: [
        { conversationId: 'c-ok', turns: ['Where is my order?', 'It was due Monday.'] },
        { turns: ['hello'], dynamicVariables: { name: 'Aisha' }, timezone: 'Europe/Paris' },
        { turns: ['fine', '   '] },
        {
          agentId: 'x'.repeat(65),
          timezone: 'Mars/Base',
          previousChatId: 'p'.repeat(129),
          turns: ['a'],
        },
        { turns: [] },
        { conversationId: 'i'.repeat(257), turns: ['too long an id'] },
        { turns: ['y'.repeat(20_481)] },
      ],
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      batchId: 'json-1',
      conversations: 7,
      turns: 3,
      accepted: 2,
      rejected: 5,
      duplicates: 0,
      discarded: false,
      warnings: [],
      rejectedRows: [
        { line: null, index: 2, conversationId: 'conv-2', errors: ['turns[1]: must not be empty'] },
        {
          line: null,
          index: 3,
          conversationId: 'conv-3',
          errors: [
            'agentId: longer than 64 characters',
            'previousChatId: longer than 128 characters',
            'timezone: "Mars/Base" is not an IANA time zone',
          ],
        },
        {
          line: null,
          index: 4,
          conversationId: 'conv-4',
          errors: ['turns: at least one turn is required'],
        },
        {
          line: null,
          index: 5,
          // Reported cut to the limit: a report line stays small whatever the id.
          conversationId: `${'i'.repeat(256)}…`,
          errors: ['conversationId: longer than 256 characters'],
        },
        {
          line: null,
          index: 6,
          conversationId: 'conv-6',
          errors: ['turns[0]: longer than 20480 characters'],
        },
      ],
    });
    const status = (await get('/v1/batches/json-1')).json();
    expect(status.conversations).toMatchObject({ total: 2, pending: 2 });
    expect(status.turns).toMatchObject({ total: 3, pending: 3 });
    // First turns wait in the fair lanes: BullMQ's prioritized set.
    expect(await h.turnQueue.queue.getPrioritizedCount()).toBeGreaterThanOrEqual(2);
    const conversation = (await get('/v1/batches/json-1/conversations/conv-1')).json();
    expect(conversation).toMatchObject({ agentId: 'agent-A', status: 'pending' });
    expect(conversation.turns[0]).toMatchObject({ turn: 1, line: null, input: 'hello' });
  });

  it('needs an agent for every conversation', async () => {
    const response = await submit({
      conversations: [{ turns: ['hi'] }, { agentId: 'a', turns: ['x'] }],
    });
    expect(response.statusCode).toBe(202);
    const report = response.json();
    expect(report.batchId).toMatch(/^api-\d{8}T\d{6}-[0-9a-f]{8}$/);
    expect(report.rejectedRows).toEqual([
      {
        line: null,
        index: 0,
        conversationId: 'conv-0',
        errors: ['agentId: missing, and the batch has no agentId'],
      },
    ]);
  });

  it('adds nothing when the same body is sent to the same batch again', async () => {
    const body = {
      batchId: 'json-again',
      agentId: 'a',
      conversations: [{ turns: ['x', 'y'] }, { turns: ['z'] }],
    };
    expect((await submit(body)).json()).toMatchObject({ accepted: 2, duplicates: 0 });
    expect((await submit(body)).json()).toMatchObject({ accepted: 0, duplicates: 2, turns: 0 });
    expect((await get('/v1/batches/json-again')).json().turns.total).toBe(3);
  });

  it('honours strict and dryRun', async () => {
    const body = {
      agentId: 'a',
      strict: true,
      conversations: [{ turns: ['fine'] }, { turns: [''] }],
    };
    const strict = await submit({ ...body, batchId: 'json-strict' });
    expect(strict.json()).toMatchObject({ accepted: 1, rejected: 1, discarded: true });
    expect((await get('/v1/batches/json-strict')).statusCode).toBe(404);
    const dry = await submit({ ...body, strict: false, dryRun: true, batchId: 'json-dry' });
    expect(dry.json()).toMatchObject({ accepted: 1, discarded: true });
    expect((await get('/v1/batches/json-dry')).statusCode).toBe(404);
  });

  it('keeps __proto__ and constructor as plain variable names', async () => {
    const response = await submit(
      '{"batchId":"json-proto","agentId":"a","conversations":[{"dynamicVariables":{"__proto__":"p","constructor":"c"},"turns":["x"]}]}',
      { 'content-type': 'application/json' },
    );
    expect(response.statusCode).toBe(202);
    const stored = await h.redis.hget(h.keys.conversation('json-proto', 'conv-0'), 'v');
    expect(JSON.parse(stored!)).toEqual(JSON.parse('{"__proto__":"p","constructor":"c"}'));
  });

  it('answers 400 with zod issues for wrong types, unknown keys and malformed JSON', async () => {
    const wrong = await submit({ conversations: [{ turns: 'hello' }], extra: 1 });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({
      error: 'invalid_request',
      issues: [
        { code: 'invalid_type', path: ['conversations', 0, 'turns'] },
        { code: 'unrecognized_keys', path: [] },
      ],
    });
    const vars = await submit({ conversations: [{ turns: ['x'], dynamicVariables: { n: 1 } }] });
    expect(vars.json().issues[0].path).toEqual(['conversations', 0, 'dynamicVariables']);
    const none = await submit({ conversations: [] });
    expect(none.json()).toMatchObject({
      error: 'invalid_request',
      issues: [{ code: 'too_small' }],
    });
    const malformed = await submit('{"conversations": [', { 'content-type': 'application/json' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toBe('invalid_json');
    const badId = await submit({ batchId: 'no spaces', conversations: [{ turns: ['x'] }] });
    expect(badId.json().issues[0].path).toEqual(['batchId']);
    expect(badId.body).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
  });

  it('refuses two conversations with the same id (they would merge)', async () => {
    const response = await submit({
      agentId: 'a',
      conversations: [{ conversationId: 'conv-1', turns: ['x'] }, { turns: ['y'] }],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().issues).toEqual([
      {
        code: 'custom',
        path: ['conversations', 1, 'conversationId'],
        message: '"conv-1" is also the id of conversations[0]',
      },
    ]);
  });

  it('answers 413 over the JSON limit, enqueuing nothing', async () => {
    const response = await submit({
      batchId: 'json-big',
      agentId: 'a',
      conversations: Array.from({ length: 60 }, () => ({ turns: ['x'.repeat(1000)] })),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toBe('payload_too_large');
    expect((await get('/v1/batches/json-big')).statusCode).toBe(404);
  });

  it('answers 415 for other content types', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const response = await submit('x=1', { 'content-type': type });
      expect(response.statusCode, type).toBe(415);
      expect(response.json().error).toBe('unsupported_media_type');
    }
  });
});
