import { describe, expect, it } from 'vitest';
import { createCallBatcher } from '../../src/store/call-batcher.js';

describe('createCallBatcher', () => {
  it('sends the calls of one tick together and hands each its own result', async () => {
    const batches: number[][] = [];
    const double = createCallBatcher<number, number>(async (items) => {
      batches.push(items);
      return items.map((n) => n * 2);
    });
    const results = await Promise.all([double(1), double(2), double(3)]);
    expect(results).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await double(5)).toBe(10);
    expect(batches).toEqual([[1, 2, 3], [5]]);
  });

  it('flushes early at maxItems', async () => {
    const sizes: number[] = [];
    const echo = createCallBatcher<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    await Promise.all([echo(1), echo(2), echo(3)]);
    expect(sizes).toEqual([2, 1]);
  });

  it('rejects every call of a batch whose flush failed, and later batches still work', async () => {
    let fail = true;
    const call = createCallBatcher<number, number>(async (items) => {
      if (fail) throw new Error('redis went away');
      return items;
    });
    const outcomes = await Promise.allSettled([call(1), call(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await call(3)).toBe(3);
  });

  it('rejects calls left without a result', async () => {
    const short = createCallBatcher<number, number>(async () => [1]);
    const outcomes = await Promise.allSettled([short(1), short(2)]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: 1 });
    expect(outcomes[1]).toMatchObject({ status: 'rejected' });
  });
});
