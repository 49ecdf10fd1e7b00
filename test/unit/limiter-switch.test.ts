import type { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import type { FleetPauseChannel } from '../../src/store/fleet-pause-channel.js';
import { limiterFor } from '../../src/worker/rate-limiter-window.js';
import { createLimiterSwitch } from '../../src/worker/pacing/limiter-switch.js';

/** A channel in memory: what the switch asks of Redis pub/sub and of the queue's limiter key. */
function fakeChannel(o: { paused?: boolean; listenFails?: boolean } = {}) {
  let onPause: (() => void) | undefined;
  const calls = { listen: 0, unlisten: 0, announce: 0 };
  const channel: FleetPauseChannel = {
    async listen(fn) {
      calls.listen++;
      if (o.listenFails) throw new Error('no subscriber');
      onPause = fn;
      return async () => {
        calls.unlisten++;
        onPause = undefined;
      };
    },
    async announce() {
      calls.announce++;
    },
    pausedNow: async () => o.paused ?? false,
  };
  return { channel, calls, fire: () => onPause?.() };
}

const fakeWorker = () => ({ opts: { limiter: undefined } }) as unknown as Worker;

async function build(o: {
  installed?: boolean;
  rate?: number;
  paused?: boolean;
  listenFails?: boolean;
}) {
  const c = fakeChannel(o);
  let rate = o.rate ?? Infinity;
  const sw = await createLimiterSwitch({
    installed: o.installed ?? false,
    currentRate: () => rate,
    channel: c.channel,
    logger: createLogger('silent'),
  });
  const worker = fakeWorker();
  const initial = sw.initial();
  worker.opts.limiter = initial;
  sw.attach(worker);
  return { sw, worker, initial, ...c, setRate: (r: number) => (rate = r) };
}

describe('the limiter switch', () => {
  it('starts without a limiter and listens for fleet pauses when nothing needs one', async () => {
    const { initial, calls } = await build({});
    expect(initial).toBeUndefined();
    expect(calls.listen).toBe(1);
  });

  it('starts with the limiter when installed (a ceiling, an episode on) and does not listen', async () => {
    const { initial, calls } = await build({ installed: true, rate: 200 });
    expect(initial).toEqual(limiterFor(200));
    expect(calls.listen).toBe(0);
  });

  it('starts with the limiter while a fleet pause is on', async () => {
    const { initial, calls } = await build({ paused: true });
    expect(initial).toEqual(limiterFor(Infinity));
    expect(calls.listen).toBe(0);
  });

  it('keeps the limiter when it cannot listen', async () => {
    const { initial } = await build({ listenFails: true });
    expect(initial).toEqual(limiterFor(Infinity));
  });

  it('installs it, at the current pace, on a 429 and stops listening', async () => {
    const { sw, worker, calls, setRate } = await build({});
    setRate(80);
    sw.install();
    expect(worker.opts.limiter).toEqual(limiterFor(80));
    expect(calls.unlisten).toBe(1);
    sw.install();
    expect(calls.unlisten).toBe(1);
  });

  it('installs it when another worker announces a fleet pause', async () => {
    const { worker, fire } = await build({});
    fire();
    expect(worker.opts.limiter).toEqual(limiterFor(Infinity));
  });

  it('applies every pace once installed, the unlimited one included', async () => {
    const { sw, worker } = await build({});
    sw.apply(120);
    expect(worker.opts.limiter).toEqual(limiterFor(120));
    sw.apply(Infinity);
    // Kept: a fleet pause must still be honoured.
    expect(worker.opts.limiter).toEqual(limiterFor(Infinity));
  });

  it('announces a fleet pause on the channel', async () => {
    const { sw, calls } = await build({});
    await sw.announcePause();
    expect(calls.announce).toBe(1);
  });
});
