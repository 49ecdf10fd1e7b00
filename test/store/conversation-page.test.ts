import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { makeKeys, type Keys } from '../../src/shared/keys.js';
import { connectRedis, createRedis } from '../../src/shared/redis.js';
import { readConversationPage } from '../../src/store/conversation-page.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

const prefix = uniquePrefix('conv-page');
const keys: Keys = makeKeys(prefix);
let redis: Redis;

/** Writes what an ingest leaves: the order entries and each conversation's state and turns. */
async function seed(batchId: string, order: [string, number][], states: Record<string, string>) {
  // The order is a sorted set ranked by input position (see lua-ingest.ts).
  await redis.zadd(keys.order(batchId), ...order.flatMap(([c, t], i) => [i + 1, `${c}\u001f${t}`]));
  for (const [conversationId, state] of Object.entries(states)) {
    const turns = Math.max(...order.filter(([c]) => c === conversationId).map(([, t]) => t));
    await redis.hset(keys.conversation(batchId, conversationId), 's', state, 'n', turns);
  }
}

beforeAll(async () => {
  redis = createRedis(REDIS_URL, 'producer');
  await connectRedis(redis, REDIS_URL);
});
afterAll(async () => {
  redis.disconnect();
  await deletePrefix(prefix);
});

describe('readConversationPage', () => {
  it('reads no more of the order than its scan budget, and says where to go on', async () => {
    // 'long' has 30 turns before 'next' starts.
    const order: [string, number][] = [
      ['long', 1],
      ...Array.from({ length: 29 }, (_, i): [string, number] => ['long', i + 2]),
      ['next', 1],
      ['last', 1],
    ];
    await seed('budget', order, { long: 'active', next: 'pending', last: 'completed' });
    const read = (offset: number) =>
      readConversationPage({ redis, keys }, 'budget', offset, 2, { scanBudget: 10 });

    const first = await read(0);
    expect(first).toEqual({
      conversations: [{ conversationId: 'long', status: 'active', turns: 30 }],
      nextOffset: 10,
    });
    const second = await read(10);
    expect(second).toEqual({ conversations: [], nextOffset: 20 });
    const third = await read(20);
    expect(third).toEqual({ conversations: [], nextOffset: 30 });
    expect(await read(30)).toEqual({
      conversations: [
        { conversationId: 'next', status: 'pending', turns: 1 },
        { conversationId: 'last', status: 'completed', turns: 1 },
      ],
      nextOffset: null,
    });
  });

  it('leaves out conversations that are gone or not committed yet', async () => {
    await seed(
      'gaps',
      [
        ['kept', 1],
        ['gone', 1],
        ['staged', 1],
      ],
      { kept: 'failed' },
    );
    await redis.hset(keys.conversation('gaps', 'staged'), 'run', 'r1', 'n', 1);
    expect(await readConversationPage({ redis, keys }, 'gaps', 0, 50)).toEqual({
      conversations: [{ conversationId: 'kept', status: 'failed', turns: 1 }],
      nextOffset: null,
    });
  });

  it('answers an empty last page for a batch without an order', async () => {
    expect(await readConversationPage({ redis, keys }, 'none', 0, 50)).toEqual({
      conversations: [],
      nextOffset: null,
    });
  });
});
