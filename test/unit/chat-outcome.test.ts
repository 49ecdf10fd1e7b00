import { describe, expect, it } from 'vitest';
import {
  chatRequestSchema,
  chatResponseSchema,
  normaliseChatStatus,
} from '../../src/vendor/chats-api.js';
import {
  classifyNetworkError,
  classifyResponse,
  mayHaveReachedVendor,
  metricStatusCode,
} from '../../src/vendor/chat-outcome.js';

const NOW = Date.parse('2025-01-01T00:00:00.000Z');
const item = { id: 'chat-item-G9', role: 'assistant', type: 'message', content: ['Hello!'] };
const body = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({
    chatId: 'chat-d17T6uReChpyfFeP',
    createdAt: '2021-04-20T10:00:00.000Z',
    status: 'ended',
    response: [item],
    agent: { name: 'New AI Agent', agentId: 'D5D0p7TUs66TTAEAx', status: 'active' },
    ...over,
  });
const classify = (status: number, text = '', headers: Record<string, string> = {}) =>
  classifyResponse(status, headers, text, NOW);

describe('classifyResponse: 2xx', () => {
  it('200 with the documented body is a success, response kept as returned', () => {
    expect(classify(200, body())).toEqual({
      kind: 'success',
      httpStatus: 200,
      chatId: 'chat-d17T6uReChpyfFeP',
      chatStatus: 'ended',
      response: [item],
      createdAt: '2021-04-20T10:00:00.000Z',
    });
  });

  it('accepts 201, in_progress, chat_ ids, no createdAt/agent and extra keys', () => {
    const text = JSON.stringify({
      chatId: 'chat_abc',
      status: 'in_progress',
      response: [{ anything: { nested: [1] } }],
      newField: 42,
    });
    expect(classify(201, text)).toEqual({
      kind: 'success',
      httpStatus: 201,
      chatId: 'chat_abc',
      chatStatus: 'in-progress',
      response: [{ anything: { nested: [1] } }],
    });
  });

  it('accepts in-progress and an empty response array and a null createdAt', () => {
    const outcome = classify(200, body({ status: 'in-progress', response: [], createdAt: null }));
    expect(outcome).toMatchObject({ kind: 'success', chatStatus: 'in-progress', response: [] });
    expect(outcome).not.toHaveProperty('createdAt');
  });

  it('status "error" is retried as vendor_error_status', () => {
    expect(classify(200, body({ status: 'error' }))).toMatchObject({
      kind: 'retry',
      reason: 'transient',
      code: 'vendor_error_status',
      httpStatus: 200,
    });
  });

  it.each([
    ['not JSON', 'oops<html>'],
    ['empty body', ''],
    ['an array', '[]'],
    ['null', 'null'],
    ['no chatId', body({ chatId: undefined })],
    ['empty chatId', body({ chatId: '' })],
    ['numeric chatId', body({ chatId: 12 })],
    ['unknown status', body({ status: 'done' })],
    ['response not an array', body({ response: { id: 'x' } })],
    ['response of strings', body({ response: ['hi'] })],
    ['no response', body({ response: undefined })],
    ['createdAt a number', body({ createdAt: 5 })],
  ])('2xx with %s is retried as malformed_response', (_name, text) => {
    const outcome = classify(200, text);
    expect(outcome).toMatchObject({
      kind: 'retry',
      reason: 'transient',
      code: 'malformed_response',
      httpStatus: 200,
    });
    if (outcome.kind === 'retry') expect(outcome.message.length).toBeLessThanOrEqual(200);
  });

  it('a malformed body is described by path, never echoed', () => {
    const outcome = classify(200, body({ status: 'SECRET-CUSTOMER-DATA' }));
    expect(outcome.kind === 'retry' && outcome.message).toMatch(/status/);
    expect(JSON.stringify(outcome)).not.toContain('SECRET-CUSTOMER-DATA');
  });
});

describe('classifyResponse: errors', () => {
  it.each([408, 409, 425, 500, 502, 503, 504])('%i is retried as transient', (status) => {
    expect(classify(status, 'busy')).toEqual({
      kind: 'retry',
      reason: 'transient',
      code: `http_${status}`,
      httpStatus: status,
      message: `HTTP ${status}: busy`,
    });
  });

  it('429 is retried as rate-limited, with Retry-After', () => {
    expect(classify(429, '', { 'retry-after': '7' })).toEqual({
      kind: 'retry',
      reason: 'rate-limited',
      code: 'http_429',
      httpStatus: 429,
      message: 'HTTP 429',
      retryAfterMs: 7000,
    });
  });

  it('reads Retry-After as an HTTP-date, an array, or any header casing', () => {
    const date = new Date(NOW + 30_000).toUTCString();
    expect(classify(503, '', { 'retry-after': date })).toMatchObject({ retryAfterMs: 30_000 });
    expect(classifyResponse(429, { 'retry-after': ['2', '9'] }, '', NOW)).toMatchObject({
      retryAfterMs: 2000,
    });
    expect(classify(429, '', { 'Retry-After': '3' })).toMatchObject({ retryAfterMs: 3000 });
    expect(classify(429, '', { 'retry-after': 'soon' })).not.toHaveProperty('retryAfterMs');
  });

  it.each([400, 401, 403, 404, 413, 422, 301, 304, 501, 505])('%i fails at once', (status) => {
    expect(classify(status, '{"message":"no"}')).toEqual({
      kind: 'fail',
      code: `http_${status}`,
      httpStatus: status,
      message: `HTTP ${status}: {"message":"no"}`,
    });
  });

  it('keeps at most a 200-character, one-line excerpt of the error body', () => {
    const outcome = classify(422, `line1\r\n\tline2 ${'x'.repeat(5000)}`);
    if (outcome.kind === 'success') throw new Error('unexpected');
    expect(outcome.message.startsWith('HTTP 422: line1 line2 xxx')).toBe(true);
    expect(outcome.message.length).toBeLessThanOrEqual('HTTP 422: '.length + 200);
    expect(outcome.message).not.toMatch(/[\r\n\t]/);
  });
});

describe('classifyNetworkError', () => {
  const coded = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

  it.each([
    ['AbortSignal timeout', new DOMException('The operation timed out', 'TimeoutError')],
    ['headers timeout', coded('UND_ERR_HEADERS_TIMEOUT')],
    ['body timeout', coded('UND_ERR_BODY_TIMEOUT')],
    ['connect timeout', coded('UND_ERR_CONNECT_TIMEOUT')],
    ['wrapped ETIMEDOUT', new TypeError('fetch failed', { cause: coded('ETIMEDOUT') })],
  ])('%s is a timeout', (_name, err) => {
    expect(classifyNetworkError(err)).toMatchObject({
      kind: 'retry',
      reason: 'transient',
      code: 'timeout',
      httpStatus: null,
    });
  });

  it.each([
    ['refused', coded('ECONNREFUSED')],
    ['reset', coded('ECONNRESET')],
    ['socket', coded('UND_ERR_SOCKET', 'other side closed')],
    ['a string', 'weird'],
    ['undefined', undefined],
  ])('%s is a network error', (_name, err) => {
    expect(classifyNetworkError(err)).toMatchObject({
      kind: 'retry',
      code: 'network',
      httpStatus: null,
    });
  });

  it('describes the error briefly', () => {
    const outcome = classifyNetworkError(coded('ECONNRESET', 'read ECONNRESET'.repeat(50)));
    expect(outcome.message.startsWith('network error: ECONNRESET: read ECONNRESET')).toBe(true);
    expect(outcome.message.length).toBeLessThanOrEqual(200);
  });

  it('knows which failures never reached the vendor', () => {
    expect(mayHaveReachedVendor(coded('ECONNREFUSED'))).toBe(false);
    expect(mayHaveReachedVendor(coded('ENOTFOUND'))).toBe(false);
    expect(mayHaveReachedVendor(new AggregateError([coded('ECONNREFUSED')]))).toBe(false);
    expect(mayHaveReachedVendor(coded('ECONNRESET'))).toBe(true);
    expect(mayHaveReachedVendor(new DOMException('t', 'TimeoutError'))).toBe(true);
    expect(mayHaveReachedVendor(new Error('unknown'))).toBe(true);
  });
});

describe('metricStatusCode', () => {
  it('is the HTTP status, or timeout/network when there was none', () => {
    expect(metricStatusCode(classify(200, body()))).toBe('200');
    expect(metricStatusCode(classify(201, body({ status: 'error' })))).toBe('201');
    expect(metricStatusCode(classify(429))).toBe('429');
    expect(metricStatusCode(classify(404))).toBe('404');
    expect(metricStatusCode(classifyNetworkError(new DOMException('t', 'TimeoutError')))).toBe(
      'timeout',
    );
    expect(metricStatusCode(classifyNetworkError(new Error('x')))).toBe('network');
  });
});

describe('chats-api schemas', () => {
  const ok = { agentId: 'a', input: 'hi' };

  it('enforces the documented request limits', () => {
    expect(chatRequestSchema.safeParse(ok).success).toBe(true);
    expect(chatRequestSchema.safeParse({ ...ok, agentId: 'a'.repeat(64) }).success).toBe(true);
    expect(chatRequestSchema.safeParse({ ...ok, agentId: 'a'.repeat(65) }).success).toBe(false);
    expect(chatRequestSchema.safeParse({ ...ok, agentId: '' }).success).toBe(false);
    expect(chatRequestSchema.safeParse({ ...ok, input: 'x'.repeat(20_480) }).success).toBe(true);
    expect(chatRequestSchema.safeParse({ ...ok, input: 'x'.repeat(20_481) }).success).toBe(false);
    expect(chatRequestSchema.safeParse({ ...ok, input: '' }).success).toBe(false);
    const prev = (n: number) => ({ ...ok, previousChatId: 'c'.repeat(n) });
    expect(chatRequestSchema.safeParse(prev(128)).success).toBe(true);
    expect(chatRequestSchema.safeParse(prev(129)).success).toBe(false);
    expect(chatRequestSchema.safeParse({ ...ok, extra: 1 }).success).toBe(false);
    expect(chatRequestSchema.safeParse({ ...ok, dynamicVariables: { n: 1 } }).success).toBe(false);
  });

  it('keeps a dynamic variable named __proto__', () => {
    const parsed = chatRequestSchema.parse(
      JSON.parse('{"agentId":"a","input":"i","dynamicVariables":{"__proto__":"x","b":"y"}}'),
    );
    expect(Object.keys(parsed.dynamicVariables ?? {})).toEqual(['__proto__', 'b']);
  });

  it('normalises the status spellings', () => {
    expect(normaliseChatStatus('in_progress')).toBe('in-progress');
    expect(normaliseChatStatus('in-progress')).toBe('in-progress');
    expect(normaliseChatStatus('ended')).toBe('ended');
    expect(normaliseChatStatus('error')).toBe('error');
  });

  it('accepts the documented example response', () => {
    expect(chatResponseSchema.safeParse(JSON.parse(body())).success).toBe(true);
  });
});
