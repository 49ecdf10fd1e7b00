import type { Worker } from 'bullmq';
import type { Logger } from '../../shared/logger.js';
import type { FleetPauseChannel } from '../../store/fleet-pause-channel.js';
import { limiterFor, type Limiter } from '../rate-limiter-window.js';

/**
 * BullMQ's limiter on demand. With a limiter, every job BullMQ hands out costs three more Redis
 * calls (GET, HEXISTS and INCR in moveToActive): a tenth of the hot path's Redis work. Without a
 * ceiling (CHATBATCH_RATE_LIMIT=0) and with adaptive pacing, nothing needs it until the vendor
 * first throttles, so the worker starts without one and installs it, for good, when:
 * - this worker meets a 429 (the pace, or a fleet pause, may follow);
 * - the shared pace is lowered (the pacer applies a rate);
 * - another worker announces a fleet pause (queue.rateLimit, honoured only by workers with a
 *   limiter): it publishes on a channel every limiter-less worker listens to;
 * - the worker starts while a fleet pause or a pacing episode is on.
 * A worker with a ceiling, or with CHATBATCH_ADAPTIVE=off, has its limiter from the start.
 */
export interface LimiterSwitch {
  /** The limiter to start the BullMQ Worker with (undefined: none yet). */
  initial(): Limiter | undefined;
  attach(worker: Worker): void;
  /** Applies a pace (starts/s across the fleet; Infinity: none) and installs the limiter. */
  apply(rate: number): void;
  /** Installs the limiter at the current pace: the vendor has started to throttle. */
  install(): void;
  /** Tells every worker that a fleet pause began (after queue.rateLimit). Never throws. */
  announcePause(): Promise<void>;
  stop(): Promise<void>;
}

export async function createLimiterSwitch(deps: {
  /** Install from the start (a ceiling, CHATBATCH_ADAPTIVE=off, a pacing episode on). */
  installed: boolean;
  /** The pace to apply when the limiter is installed without a new rate. */
  currentRate: () => number;
  channel: FleetPauseChannel;
  logger: Logger;
}): Promise<LimiterSwitch> {
  let worker: Worker | undefined;
  let rate = deps.currentRate();
  let installed = deps.installed || (await deps.channel.pausedNow().catch(() => true));
  let stopListening: (() => Promise<void>) | undefined;

  function set(): void {
    if (worker) worker.opts.limiter = limiterFor(rate);
  }
  /** Stops listening for announcements, once. */
  async function deafen(): Promise<void> {
    const stop = stopListening;
    stopListening = undefined;
    await stop?.().catch(() => undefined);
  }
  function install(): void {
    if (installed) return;
    installed = true;
    set();
    void deafen();
  }

  if (!installed) {
    try {
      stopListening = await deps.channel.listen(() => {
        deps.logger.info('another worker paused the fleet: this worker now checks the rate limit');
        install();
      });
    } catch {
      // Deaf to announcements: keep the limiter, as without this switch.
      installed = true;
    }
  }

  return {
    initial: () => (installed ? limiterFor(rate) : undefined),
    attach(w) {
      worker = w;
    },
    apply(next) {
      rate = next;
      if (installed) set();
      else install();
    },
    install() {
      rate = deps.currentRate();
      install();
    },
    async announcePause() {
      await deps.channel.announce().catch((error: unknown) => {
        deps.logger.warn({ err: error }, 'could not tell the other workers about the fleet pause');
      });
    },
    stop: deafen,
  };
}
