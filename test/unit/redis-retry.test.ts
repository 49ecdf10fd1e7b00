import { describe, expect, it } from 'vitest';
import { isTransientRedisError, retryTransient } from '../../src/shared/redis-retry.js';

/** A fake clock: sleeping moves it on at once. */
function fakeTime(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

const closed = () => new Error('Connection is closed.');
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });

describe('isTransientRedisError', () => {
  it('knows the errors of a Redis restart, failover or load, and nothing else', () => {
    for (const error of [
      closed(),
      refused(),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      Object.assign(new Error('Reached the max retries per request limit (which is 1).'), {
        name: 'MaxRetriesPerRequestError',
      }),
      new Error('LOADING Redis is loading the dataset in memory'),
      new Error("READONLY You can't write against a read only replica."),
      new Error('MASTERDOWN Link with MASTER is down'),
      new Error('TRYAGAIN Multiple keys request during rehashing of slot'),
      new Error('CLUSTERDOWN The cluster is down'),
      // A script wraps the reply of the command that met it.
      new Error(
        'ERR Error running script (call to f_1a2b): @user_script:3: LOADING Redis is loading',
      ),
      // A socket error passed on in another error's message.
      new Error('write EPIPE'),
    ]) {
      expect(isTransientRedisError(error), error.message).toBe(true);
    }
    for (const error of [
      new Error('OOM command not allowed when used memory > maxmemory'),
      new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
      new Error('NOSCRIPT No matching script'),
      new Error('no such batch: b1'),
      new Error('ERR Error running script: @user_script:9: user_script:9: attempt to compare nil'),
      new Error('batch Loading-1 is paused'),
      'Connection is closed.',
      undefined,
    ]) {
      expect(isTransientRedisError(error)).toBe(false);
    }
  });
});

describe('retryTransient', () => {
  it('tries again through transient errors, backing off, and tells of the outage once', async () => {
    const time = fakeTime();
    const failures = [closed(), refused(), closed(), closed()];
    const events: string[] = [];
    const result = await retryTransient(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return 'status';
      },
      {
        deadline: time.now() + 60_000,
        now: time.now,
        sleep: time.sleep,
        onOutage: (error) => events.push(`outage: ${(error as Error).message}`),
        onRecovered: (ms) => events.push(`back after ${ms} ms`),
      },
    );
    expect(result).toBe('status');
    expect(time.sleeps).toEqual([250, 500, 1000, 2000]);
    expect(events).toEqual(['outage: Connection is closed.', 'back after 3750 ms']);
  });

  it('gives up with the last error at its deadline, never sleeping past it', async () => {
    const time = fakeTime();
    let calls = 0;
    const attempt = retryTransient(
      async () => {
        calls++;
        throw closed();
      },
      { deadline: time.now() + 1200, now: time.now, sleep: time.sleep },
    );
    await expect(attempt).rejects.toThrow('Connection is closed.');
    expect(time.sleeps).toEqual([250, 500, 450]);
    expect(calls).toBe(4);
  });

  it('throws any other error at once', async () => {
    const time = fakeTime();
    let calls = 0;
    await expect(
      retryTransient(
        async () => {
          calls++;
          throw new Error('no such batch: b1');
        },
        { deadline: Infinity, now: time.now, sleep: time.sleep },
      ),
    ).rejects.toThrow('no such batch');
    expect(calls).toBe(1);
    expect(time.sleeps).toEqual([]);
  });

  it('takes its own idea of transient', async () => {
    const time = fakeTime();
    let calls = 0;
    const value = await retryTransient(
      async () => {
        if (++calls < 3) throw new Error('not yet');
        return calls;
      },
      {
        deadline: Infinity,
        isTransient: (error) => (error as Error).message === 'not yet',
        now: time.now,
        sleep: time.sleep,
      },
    );
    expect(value).toBe(3);
  });
});
