import { sleep as realSleep } from './clock.js';

/**
 * Riding out a Redis that is away for a moment (a restart, a failover, a Redis loading its data)
 * in long-running pollers: `status --wait`/`--watch` and the schedule runner. A poller has a
 * deadline of its own (`--timeout`, a firing's retry window); until then a transient Redis
 * error is a reason to wait and ask again, not to fail. One-shot commands do not use this: they
 * fail fast (exit 1) so that scripts learn at once that Redis is unreachable.
 */

/** Node socket errors of a connection that is down or being re-established. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTCONN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const SOCKET_ERROR_IN_MESSAGE = new RegExp(`\\b(${[...TRANSIENT_CODES].join('|')})\\b`);

/**
 * Redis replies that mean "not now": loading, failing over, a cluster re-sharding. Looked for
 * anywhere in the message: a script wraps the reply of the command that met it
 * (`ERR Error running script … LOADING …`).
 */
const TRANSIENT_REPLY = /\b(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;

/** ioredis' own messages while the connection is down (offline queue off, retries used up). */
const TRANSIENT_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
  'None of startup nodes is available',
  'Failed to refresh slots cache',
];

/** True for errors a Redis restart or failover causes, which asking again later can cure. */
export function isTransientRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'ClusterAllFailedError')
    return true;
  if (TRANSIENT_REPLY.test(error.message)) return true;
  if (TRANSIENT_MESSAGES.some((text) => error.message.includes(text))) return true;
  // A socket error passed on in another error's message (its code left behind).
  return SOCKET_ERROR_IN_MESSAGE.test(error.message);
}

export interface RetryTransientOptions {
  /** Give up (rethrow the last error) once this time has passed, in ms since the epoch. */
  deadline: number;
  /** Which errors are worth another try. Default `isTransientRedisError`. */
  isTransient?: (error: unknown) => boolean;
  /** First wait after a failure, in ms; doubles up to `maxDelayMs`. Default 250. */
  delayMs?: number;
  /** Longest wait between two tries, in ms. Default 2000. */
  maxDelayMs?: number;
  /** Called once when a run of failures starts (to tell the user, once). */
  onOutage?: (error: unknown) => void;
  /** Called when the operation succeeds again after failures, with how long it took in ms. */
  onRecovered?: (outageMs: number) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `operation`, and again after a growing pause whenever it fails with a transient error,
 * until it succeeds or `deadline` has passed. Any other error, or one at the deadline, is thrown
 * as it is.
 */
export async function retryTransient<T>(
  operation: () => Promise<T>,
  options: RetryTransientOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const isTransient = options.isTransient ?? isTransientRedisError;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  let delayMs = options.delayMs ?? 250;
  let outageStart: number | undefined;
  for (;;) {
    try {
      const result = await operation();
      if (outageStart !== undefined) options.onRecovered?.(now() - outageStart);
      return result;
    } catch (error) {
      const left = options.deadline - now();
      if (!isTransient(error) || left <= 0) throw error;
      if (outageStart === undefined) {
        outageStart = now();
        options.onOutage?.(error);
      }
      await sleep(Math.min(delayMs, left));
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}
