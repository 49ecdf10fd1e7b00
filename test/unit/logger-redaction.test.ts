import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';

const SECRET = 'sk-live-9f8e7d6c5b4a39281706';

/** A logger at trace level whose lines are collected as text. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('trace', stream), text: () => lines.join('') };
}

describe('logger redaction', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['headers["x-api-key"]', { headers: { 'x-api-key': SECRET } }],
    ['headers["X-API-Key"] as the Chats client spells it', { headers: { 'X-API-Key': SECRET } }],
    ['headers.authorization', { headers: { authorization: `Bearer ${SECRET}` } }],
    ['headers.Authorization', { headers: { Authorization: `Bearer ${SECRET}` } }],
    ['req.headers.authorization', { req: { headers: { authorization: `Bearer ${SECRET}` } } }],
    ['req.headers["x-api-key"]', { req: { headers: { 'x-api-key': SECRET } } }],
    ['authorization', { authorization: `Bearer ${SECRET}` }],
    ['apiKey', { apiKey: SECRET }],
    ['a nested apiKey', { client: { apiKey: SECRET } }],
    ['a whole Config object', { config: { sigmamindApiKey: SECRET, apiTokens: [SECRET] } }],
    ['token', { token: SECRET }],
    ['a request object', { request: { headers: { 'x-api-key': SECRET } } }],
  ];

  it.each(cases)('censors %s', (_name, object) => {
    const { logger, text } = capture();
    logger.info(object, 'something happened');
    expect(text()).toContain('something happened');
    expect(text()).not.toContain(SECRET);
    expect(text()).toContain('[redacted]');
  });

  it('censors secrets bound to a child logger too', () => {
    const { logger, text } = capture();
    logger.child({ apiKey: SECRET }).warn('from a child');
    expect(text()).toContain('from a child');
    expect(text()).not.toContain(SECRET);
  });

  it('keeps everything else as it was', () => {
    const { logger, text } = capture();
    logger.info({ batchId: 'b1', headers: { 'content-type': 'application/json' } }, 'kept');
    const line = JSON.parse(text()) as { batchId: string; headers: Record<string, string> };
    expect(line.batchId).toBe('b1');
    expect(line.headers['content-type']).toBe('application/json');
  });

  it('logs an ioredis error without its command arguments, under any key, at any level', () => {
    const { logger, text } = capture();
    const customerText = 'My SSN is 078-05-1120';
    const redisError = Object.assign(new Error('OOM command not allowed when used memory'), {
      name: 'ReplyError',
      command: { name: 'evalsha', args: ['sha', '1', 'key', customerText] },
    });
    const wrapped = new Error('ingest failed', { cause: redisError });
    logger.trace({ err: redisError }, 'as err');
    logger.error({ err: wrapped }, 'as a cause');
    logger.warn({ error: redisError }, 'as error');
    logger.info({ failure: redisError }, 'under another key');
    expect(text()).toContain('OOM command not allowed');
    expect(text()).not.toContain(customerText);
    const lines = text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0].err).toMatchObject({
      type: 'ReplyError',
      message: expect.stringContaining('OOM'),
    });
    expect(lines[1].err.cause).toMatchObject({ type: 'ReplyError' });
  });
});
