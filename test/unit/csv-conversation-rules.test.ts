import { describe, expect, it } from 'vitest';
import { conversationIdForLine } from '../../src/producer/csv/index.js';
import { overlayVariables } from '../../src/shared/variables.js';

describe('conversation rules', () => {
  it('overlays a turn’s own variables on its conversation’s first-row variables', () => {
    expect(overlayVariables({ name: 'Ann', city: 'Paris' }, { city: 'Lyon', order: '7' })).toEqual({
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
    const merged = overlayVariables(first, own);
    expect(Object.keys(merged)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(merged)).toBeNull();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(merged)).toBe('{"__proto__":"{\\"polluted\\":true}","constructor":"x"}');
  });

  it('names a conversation without an id after its line', () => {
    expect(conversationIdForLine(12)).toBe('line-12');
  });
});
