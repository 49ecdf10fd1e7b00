import { describe, expect, it } from 'vitest';
import { createPoller, type Timers } from '../../src/console/poller.js';

/** Timers run by hand: `fire()` runs the scheduled callback, as the clock would. */
function manualTimers() {
  let next: { run: () => void; ms: number } | undefined;
  const timers: Timers = {
    setTimeout(run, ms) {
      next = { run, ms };
      return next;
    },
    clearTimeout(handle) {
      if (handle === next) next = undefined;
    },
  };
  return {
    timers,
    pending: () => next,
    async fire() {
      const due = next;
      next = undefined;
      due?.run();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('the console poller', () => {
  it('polls at its interval until a tick says done, then stops', async () => {
    const clock = manualTimers();
    const answers = [true, true, false];
    let ticks = 0;
    const poller = createPoller({
      intervalMs: 1000,
      timers: clock.timers,
      tick: async () => answers[ticks++]!,
      onError: () => undefined,
    });
    await poller.now();
    expect(ticks).toBe(1);
    expect(clock.pending()?.ms).toBe(1000);
    await clock.fire();
    await clock.fire();
    expect(ticks).toBe(3);
    expect(poller.scheduled()).toBe(false);
    expect(clock.pending()).toBeUndefined();
    // A control action asks again: polling resumes.
    answers.push(true);
    await poller.now();
    expect(ticks).toBe(4);
    expect(poller.scheduled()).toBe(true);
  });

  it('keeps polling after an error, and stops for good when stopped', async () => {
    const clock = manualTimers();
    const errors: unknown[] = [];
    let ticks = 0;
    const poller = createPoller({
      intervalMs: 500,
      timers: clock.timers,
      tick: async () => {
        ticks += 1;
        if (ticks === 1) throw new Error('API away');
        return true;
      },
      onError: (error) => errors.push(error),
    });
    await poller.now();
    expect(errors).toHaveLength(1);
    expect(poller.scheduled()).toBe(true);
    await clock.fire();
    expect(ticks).toBe(2);
    poller.stop();
    expect(clock.pending()).toBeUndefined();
    await poller.now();
    expect(ticks).toBe(2);
  });

  it('never runs two ticks at once: a tick asked for meanwhile runs after', async () => {
    const clock = manualTimers();
    let release: (() => void) | undefined;
    let running = 0;
    let most = 0;
    let ticks = 0;
    const poller = createPoller({
      intervalMs: 1000,
      timers: clock.timers,
      tick: async () => {
        ticks += 1;
        running += 1;
        most = Math.max(most, running);
        if (ticks === 1) await new Promise<void>((resolve) => (release = resolve));
        running -= 1;
        return false;
      },
      onError: () => undefined,
    });
    const first = poller.now();
    await new Promise((resolve) => setImmediate(resolve));
    void poller.now();
    expect(ticks).toBe(1);
    release!();
    await first;
    expect(ticks).toBe(2);
    expect(most).toBe(1);
  });
});
