import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchBody } from '../../src/producer/api/body-guard.js';

const options = { idleMs: 1000, minBytesPerSecond: 500 };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets the stream deliver what was written ('data' and 'end' come on later ticks). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function watched() {
  const body = new PassThrough();
  body.resume(); // flowing, as when piped
  const onTimeout = vi.fn();
  const stop = watchBody(body, options, onTimeout);
  return { body, onTimeout, stop };
}

describe('watchBody', () => {
  it('fires once after idleMs without a byte, with a 408', () => {
    const { onTimeout } = watched();
    vi.advanceTimersByTime(999);
    expect(onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(onTimeout.mock.calls[0]![0]).toMatchObject({ statusCode: 408, code: 'request_timeout' });
    vi.advanceTimersByTime(10_000);
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });

  it('a drip under the minimum rate is cut near idleMs, however steady', async () => {
    const { body, onTimeout } = watched();
    const started = Date.now();
    while (onTimeout.mock.calls.length === 0 && Date.now() - started < 5000) {
      body.write('x');
      await flush();
      vi.advanceTimersByTime(100);
    }
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(Date.now() - started).toBeLessThanOrEqual(1100);
  });

  it('a body at the rate, with pauses shorter than idleMs, is never cut', async () => {
    const { body, onTimeout, stop } = watched();
    for (let second = 0; second < 30; second++) {
      body.write(Buffer.alloc(600));
      await flush();
      vi.advanceTimersByTime(900);
    }
    expect(onTimeout).not.toHaveBeenCalled();
    stop();
  });

  it('time while the stream is paused (our backpressure) is not counted', async () => {
    const { body, onTimeout, stop } = watched();
    body.write(Buffer.alloc(600));
    await flush();
    body.pause();
    vi.advanceTimersByTime(60_000);
    expect(onTimeout).not.toHaveBeenCalled();
    body.resume();
    await flush();
    vi.advanceTimersByTime(500);
    body.write(Buffer.alloc(600));
    await flush();
    vi.advanceTimersByTime(500);
    expect(onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(onTimeout).toHaveBeenCalledTimes(1);
    stop();
  });

  it('stops watching when the body ends', async () => {
    const { body, onTimeout } = watched();
    body.end('done');
    await flush();
    vi.advanceTimersByTime(5000);
    expect(onTimeout).not.toHaveBeenCalled();
  });
});
