import { describe, expect, it } from 'vitest';
import {
  conversationIdForLine,
  laterTurnErrors,
  turnVariables,
  type CsvRow,
} from '../../src/producer/csv/index.js';

const row = (overrides: Partial<CsvRow>): CsvRow => ({
  line: 2,
  conversationId: 'c1',
  explicitConversation: true,
  standalone: false,
  agentId: 'a',
  input: 'hi',
  previousChatId: undefined,
  timezone: undefined,
  variables: {},
  errors: [],
  ...overrides,
});

describe('conversation rules', () => {
  it('overlays a turn’s own variables on its conversation’s first-row variables', () => {
    expect(turnVariables({ name: 'Ann', city: 'Paris' }, { city: 'Lyon', order: '7' })).toEqual({
      name: 'Ann',
      city: 'Lyon',
      order: '7',
    });
  });

  it('keeps __proto__ and constructor as plain keys when merging', () => {
    const first = Object.fromEntries([['__proto__', '{"polluted":true}']]) as Record<
      string,
      string
    >;
    const own = Object.fromEntries([['constructor', 'x']]) as Record<string, string>;
    const merged = turnVariables(first, own);
    expect(Object.keys(merged)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(merged)).toBeNull();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(merged)).toBe('{"__proto__":"{\\"polluted\\":true}","constructor":"x"}');
  });

  it('names a conversation without an id after its line', () => {
    expect(conversationIdForLine(12)).toBe('line-12');
  });

  it('refuses previous_chat_id on a later turn', () => {
    expect(laterTurnErrors(row({}))).toEqual([]);
    expect(laterTurnErrors(row({ previousChatId: 'chat-1' }))).toEqual([
      'previous_chat_id: only allowed on the first row of a conversation',
    ]);
  });
});
