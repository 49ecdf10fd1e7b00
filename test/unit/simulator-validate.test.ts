import { describe, expect, it } from 'vitest';
import {
  MAX_INPUT_CHARS,
  isJsonContentType,
  validateChatRequest,
} from '../../src/simulator/validate.js';

describe('validateChatRequest', () => {
  it('accepts the documented example', () => {
    const body = {
      agentId: 'D5D0p7TUs66TTAEAx',
      input: 'Where is my order?',
      dynamicVariables: { customer_name: 'Michael', vip: true, visits: 3 },
      previousChatId: 'chat-D5D0p7TUs66TTAEAx',
    };
    expect(validateChatRequest(body)).toEqual({ ok: true, request: body });
  });

  it('counts characters, not UTF-16 units', () => {
    const emoji = '😀'.repeat(MAX_INPUT_CHARS);
    expect(validateChatRequest({ agentId: 'a', input: emoji }).ok).toBe(true);
    expect(validateChatRequest({ agentId: 'a', input: `${emoji}😀` })).toEqual({
      ok: false,
      message: 'input: must be at most 20480 characters',
    });
  });

  it.each([
    [null, 'body: must be a JSON object'],
    [[], 'body: must be a JSON object'],
    [{ agentId: 'a', input: 'x', extra: 1 }, 'extra: unknown field'],
    [JSON.parse('{"agentId":"a","input":"x","__proto__":{}}'), '__proto__: unknown field'],
    [{ input: 'x' }, 'agentId: must be a string'],
    [{ agentId: 'a', input: 'x', dynamicVariables: [] }, 'dynamicVariables: must be an object'],
    [{ agentId: 'a', input: 'x', dynamicVariables: { n: null } }, 'dynamicVariables.n: must be'],
    [{ agentId: 'a', input: 'x', dynamicVariables: { n: NaN } }, 'dynamicVariables.n: must be'],
    [{ agentId: 'a', input: 'x', previousChatId: null }, 'previousChatId: must be a string'],
    [{ agentId: 'a', input: 'x', previousChatId: '' }, 'previousChatId: must not be empty'],
  ])('rejects %j', (body, message) => {
    const result = validateChatRequest(body);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain(message);
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    [' application/json ;charset=UTF-8', true],
    ['text/plain', false],
    ['application/jsonp', false],
    [undefined, false],
  ])('%s → %s', (header, expected) => {
    expect(isJsonContentType(header)).toBe(expected);
  });
});
