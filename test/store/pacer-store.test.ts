import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config.js';
import { makeKeys } from '../../src/shared/keys.js';
import { openServices, type Services } from '../../src/services.js';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows } from '../../src/producer/ingest.js';
import { createPacerStore, parsePaceState } from '../../src/store/pacer-store.js';
import { createTurnStore } from '../../src/store/turn-store.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

const prefix = uniquePrefix('pacer-store');
const keys = makeKeys(prefix);
let services: Services;

beforeAll(async () => {
  services = await openServices(loadConfig({ REDIS_URL, CHATBATCH_PREFIX: prefix }), 'cli');
});
afterAll(async () => {
  await services.close();
  await deletePrefix(prefix);
});

describe('the pacer store (PACER_THROTTLE)', () => {
  it('stores a first decrease, then only a decrease made from the latest state', async () => {
    const store = createPacerStore({ redis: services.redis, keys });
    const now = 1_700_000_000_000;
    expect(await store.read(now)).toMatchObject({ state: undefined, token: '' });

    const first = await store.decrease('', { wmax: 120, start: 108, at: now }, 60_000);
    expect(first).toEqual({ applied: true, state: { n: 1, wmax: 120, start: 108, at: now } });
    const ttl = await services.redis.pttl(keys.pacer);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    // A second worker decided from "no state" too: it loses, and gets the stored state back.
    const late = await store.decrease('', { wmax: 90, start: 81, at: now + 5 }, 60_000);
    expect(late).toEqual({ applied: false, state: first.state });

    const reading = await store.read(now + 1500);
    expect(reading).toMatchObject({ state: first.state, token: '1' });
    const second = await store.decrease(
      reading.token,
      { wmax: 100.5, start: 90.45, at: now + 2000 },
      60_000,
    );
    expect(second.state).toEqual({ n: 2, wmax: 100.5, start: 90.45, at: now + 2000 });
    expect((await store.read(now + 2500)).state).toEqual(second.state);
  });

  it('a damaged state reads as none and is replaced by the next decrease', async () => {
    const store = createPacerStore({ redis: services.redis, keys });
    await services.redis.hset(keys.pacer, 'n', '7', 'w', 'Infinity', 's', '3', 'at', '1');
    const reading = await store.read(2_000_000_000_000);
    expect(reading).toMatchObject({ state: undefined, token: '7' });
    const next = { wmax: 50, start: 45, at: 2_000_000_000_000 };
    expect(await store.decrease(reading.token, next, 60_000)).toEqual({
      applied: true,
      state: { n: 8, ...next },
    });
    // And nothing non-finite is ever written.
    await expect(
      store.decrease('8', { wmax: Infinity, start: 45, at: 2_000_000_000_000 }, 60_000),
    ).rejects.toThrow(/non-finite/);
  });

  it('reads the counters of the last second’s quarter-second slots in the same round trip', async () => {
    const store = createPacerStore({ redis: services.redis, keys });
    const slot = 7_200_000_000;
    for (let i = 0; i < 6; i++)
      await services.redis.set(keys.pacerAccepted(slot - i), String(i + 1));
    expect(await store.read(slot * 250 + 100)).toMatchObject({ completed: [1, 2, 3, 4, 5] });
  });

  it('shares a learnt noise share with a TTL; a damaged one reads as none', async () => {
    const store = createPacerStore({ redis: services.redis, keys });
    expect((await store.read(1_700_000_000_000)).fleetNoise).toBeUndefined();
    await store.shareNoise(0.0987654, 60_000);
    expect((await store.read(1_700_000_000_000)).fleetNoise).toBe(0.0988);
    const ttl = await services.redis.pttl(keys.pacerNoise);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await services.redis.set(keys.pacerNoise, 'lots');
    expect((await store.read(1_700_000_000_000)).fleetNoise).toBeUndefined();
    await expect(store.shareNoise(Number.NaN, 60_000)).rejects.toThrow(/noise share/);
  });

  it('a damaged state counts as none', () => {
    expect(parsePaceState(['1', '120', '108', '1700000000000'])).toBeDefined();
    expect(parsePaceState(['', '120', '108', '1'])).toBeUndefined();
    expect(parsePaceState(['1', 'x', '108', '1'])).toBeUndefined();
    expect(parsePaceState(['1', '100', '108', '1'])).toBeUndefined(); // start above the level
    expect(parsePaceState(['1', '100', '0', '1'])).toBeUndefined();
  });
});

describe('RECORD_TURNS counts completed turns per second for the pacer', () => {
  async function beginAll(batchId: string, count: number, now: number) {
    const csv = ['agent_id,input', ...Array.from({ length: count }, (_, i) => `a-1,hello ${i}`)];
    await ingestRows(
      services.ingestDeps(),
      readCsvRows(Readable.from([`${csv.join('\n')}\n`]), { source: 't.csv' }),
      { batchId },
    );
    const ids = await services.batchStore.results(batchId);
    const refs: string[] = [];
    for await (const r of ids) refs.push(r.conversationId);
    for (const id of refs) await services.turnStore.begin(batchId, id, 1, now, 60_000);
    return refs;
  }
  const outcome = (completed: boolean, at: number) => ({
    outcome: completed ? ('completed' as const) : ('failed' as const),
    chatId: completed ? 'chat-1' : null,
    chatStatus: completed ? ('in-progress' as const) : null,
    previousChatId: null,
    response: completed ? [] : null,
    error: completed ? null : { code: 'http_422', httpStatus: 422, message: 'no' },
    completedAt: at,
  });

  it('adds the completed (not failed) turns of each call to the counter of their slot', async () => {
    const at = 1_900_000_000_500;
    const counted = createTurnStore({
      redis: services.redis,
      keys,
      retentionSeconds: 60,
      countAccepted: true,
    });
    const refs = await beginAll('counted', 5, at - 100);
    // Recorded in the same tick: one batched call.
    await Promise.all(
      refs.map((id, i) => counted.record('counted', id, 1, outcome(i !== 4, at + i))),
    );
    const key = keys.pacerAccepted(Math.floor(at / 250));
    expect(await services.redis.get(key)).toBe('4');
    const ttl = await services.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10);
  });

  it('counts nothing when adaptive pacing is off', async () => {
    const at = 1_950_000_000_000;
    const plain = createTurnStore({ redis: services.redis, keys, retentionSeconds: 60 });
    const refs = await beginAll('plain', 3, at - 100);
    await Promise.all(refs.map((id) => plain.record('plain', id, 1, outcome(true, at))));
    expect(await services.redis.get(keys.pacerAccepted(Math.floor(at / 250)))).toBeNull();
    const status = await services.batchStore.status('plain');
    expect(status?.turns.completed).toBe(3);
  });
});
