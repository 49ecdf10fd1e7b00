import type { RequestLogEntry } from '../src/simulator/index.js';
import type { KillEvent } from './fleet.js';
import type { RedisOutage } from './redis-server.js';

/**
 * Why a turn has a chat upstream besides the one recorded. The first three are the documented
 * windows; `unexplained` is a violation.
 * - `lost`: the vendor created the chat and the reply never arrived (the simulator's `lost`).
 * - `error-status`: the vendor answered a chat with status `error`, which the contract retries.
 * - `killed`: a worker was SIGKILLed while the request was in flight or before it was recorded.
 * - `redis-outage`: Redis was down while the reply was being recorded.
 */
export type DuplicateCause = 'lost' | 'error-status' | 'killed' | 'redis-outage' | 'unexplained';

export interface DuplicateChat {
  seq: number;
  chatId: string;
  input: string;
  cause: DuplicateCause;
}

export interface DuplicateWindow {
  /** How long before the simulator saw a request it may have left the worker, ms. */
  beforeMs: number;
  /** How long after the simulator answered the worker may still be recording it, ms. */
  afterMs: number;
}

/** Generous enough for a loaded 2-core machine, tight enough to mean "this very request". */
export const DEFAULT_DUPLICATE_WINDOW: DuplicateWindow = { beforeMs: 250, afterMs: 1000 };

/**
 * Classifies one chat-creating request that is not the turn's recorded chat. `latencyMs` is the
 * delay the simulator chose for it (so its answer left at `receivedAt + latencyMs`).
 */
export function classifyDuplicate(
  entry: RequestLogEntry,
  latencyMs: number,
  kills: readonly KillEvent[],
  outages: readonly RedisOutage[],
  window: DuplicateWindow = DEFAULT_DUPLICATE_WINDOW,
): DuplicateCause {
  if (entry.status === 'lost') return 'lost';
  if (entry.fault === 'error') return 'error-status';
  const from = entry.receivedAt - window.beforeMs;
  const to = entry.receivedAt + latencyMs + window.afterMs;
  if (kills.some((kill) => kill.at >= from && kill.at <= to)) return 'killed';
  if (outages.some((o) => o.downAt <= to && o.upAt >= from)) return 'redis-outage';
  return 'unexplained';
}
