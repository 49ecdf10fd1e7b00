import { describe, expect, it } from 'vitest';
import { chainTiming } from '../../bench/lib/chain-timing.js';
import { keyKind } from '../../bench/lib/key-memory.js';
import type { SimLog } from '../../bench/lib/sim-protocol.js';
import { busiestWindow, median, percentile } from '../../bench/lib/stats.js';

/** The measuring instrument of `npm run bench` (bench/): its pure parts. */
describe('bench statistics', () => {
  it('percentile interpolates between closest ranks; median of an even count is the mean', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBe(46);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it('busiestWindow finds the densest half-open window anywhere, not only on whole seconds', () => {
    const times = [0, 100, 900, 1000, 1050, 1100, 1850, 3000];
    expect(busiestWindow(times, 1000)).toEqual({ count: 5, start: 900 });
    // A request exactly windowMs after the first is outside the window.
    expect(busiestWindow([0, 1000], 1000).count).toBe(1);
  });
});

describe('chain timing from the simulator log', () => {
  it('measures answer sent → next request arrived, and first arrival → last answer', () => {
    const log: SimLog = {
      receivedAt: [1000, 1000, 1203, 1210],
      status: [200, 201, 200, 200],
      chatId: ['chat-a1', 'chat-b1', 'chat-a2', 'chat-b2'],
      previousChatId: [null, null, 'chat-a1', 'chat-b1'],
      arrivedAt: new Map([
        ['chat-a1', 1000.2],
        ['chat-b1', 1000.4],
        ['chat-a2', 1203.5],
        ['chat-b2', 1210.4],
      ]),
      sentAt: new Map([
        ['chat-a1', 1200.5],
        ['chat-b1', 1200.4],
        ['chat-a2', 1404],
        ['chat-b2', 1411.4],
      ]),
    };
    const t = chainTiming(log, 2);
    expect(t.complete).toBe(2);
    expect(t.gapsMs.n).toBe(2);
    expect(t.gapsMs.p50).toBeCloseTo(6.5, 6); // gaps 3.0 and 10.0
    expect(t.conversationMs.max).toBeCloseTo(411, 6);
  });

  it('does not count a chain that stopped short, nor failed requests', () => {
    const log: SimLog = {
      receivedAt: [0, 5],
      status: [200, 500],
      chatId: ['chat-a1', null],
      previousChatId: [null, 'chat-a1'],
      arrivedAt: new Map([['chat-a1', 0]]),
      sentAt: new Map([['chat-a1', 1]]),
    };
    const t = chainTiming(log, 2);
    expect(t.complete).toBe(0);
    expect(t.gapsMs.n).toBe(0);
  });
});

describe('Redis key kinds', () => {
  it('groups keys by their role, with ids replaced', () => {
    expect(keyKind('{p1}:c:batch-1:line-7')).toBe('{p}:c:<batch>:<conversation>');
    expect(keyKind('{p1}:b:batch-1:order')).toBe('{p}:b:<batch>:order');
    expect(keyKind('{p1}:turns:t-abc-1')).toBe('{p}:turns:<job>');
    expect(keyKind('{p1}:turns:events')).toBe('{p}:turns:events');
  });
});
