import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** How workers without BullMQ's limiter learn that another one paused the fleet. */
export interface FleetPauseChannel {
  /** Calls `onPause` on every announcement until the returned function is called. */
  listen(onPause: () => void): Promise<() => Promise<void>>;
  announce(): Promise<void>;
  /** Whether a fleet pause is on now (the queue's rate-limit key). */
  pausedNow(): Promise<boolean>;
}

/**
 * Above any count BullMQ's limiter reaches in a window: only queue.rateLimit (a fleet pause)
 * sets the limiter key this high (it writes Number.MAX_SAFE_INTEGER).
 */
const PAUSE_MARK = 1e12;

/**
 * Fleet pauses announced over Redis pub/sub (keys.pacerPauses), for workers that run without
 * BullMQ's limiter (src/worker/pacing/limiter-switch.ts). A message missed while a subscriber
 * reconnects costs that worker no more than its own next 429, which installs the limiter too.
 */
export function createFleetPauseChannel(deps: {
  redis: Redis;
  channel: string;
  queue: Pick<Queue, 'getRateLimitTtl'>;
}): FleetPauseChannel {
  return {
    async listen(onPause) {
      const subscriber = deps.redis.duplicate();
      subscriber.on('error', () => undefined);
      subscriber.on('message', (channel: string) => {
        if (channel === deps.channel) onPause();
      });
      try {
        await subscriber.subscribe(deps.channel);
      } catch (error) {
        subscriber.disconnect();
        throw error;
      }
      return async () => {
        subscriber.disconnect();
      };
    },
    async announce() {
      await deps.redis.publish(deps.channel, 'pause');
    },
    async pausedNow() {
      return (await deps.queue.getRateLimitTtl(PAUSE_MARK)) > 0;
    },
  };
}
