/** Timers the poller uses (the window's, or fakes in tests). */
export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PollerOptions {
  /** Time between the end of one tick and the start of the next, in ms. */
  intervalMs: number;
  /** One refresh; resolves true to keep polling, false when there is nothing left to follow. */
  tick(): Promise<boolean>;
  /** A tick that threw (the API unreachable…): reported, and polling goes on. */
  onError(error: unknown): void;
  timers: Timers;
}

/**
 * Polls one thing until it says it is done, or until stopped (the user left the page). Ticks
 * never overlap: the next is scheduled after the previous one settles. `now()` runs a tick at
 * once (after a control action) and starts polling again if it had stopped.
 */
export function createPoller(options: PollerOptions) {
  let timer: unknown;
  let running = false;
  let stopped = false;
  let again = false;

  async function run(): Promise<void> {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    options.timers.clearTimeout(timer);
    timer = undefined;
    let keepGoing = true;
    try {
      keepGoing = await options.tick();
    } catch (error) {
      options.onError(error);
    } finally {
      running = false;
    }
    if (stopped) return;
    if (again) {
      again = false;
      return run();
    }
    if (keepGoing) timer = options.timers.setTimeout(() => void run(), options.intervalMs);
  }

  return {
    /** Runs a tick now, then keeps polling while ticks say so. */
    now: () => run(),
    stop() {
      stopped = true;
      options.timers.clearTimeout(timer);
      timer = undefined;
    },
    /** Whether a next tick is scheduled. */
    scheduled: () => timer !== undefined,
  };
}

export type Poller = ReturnType<typeof createPoller>;
