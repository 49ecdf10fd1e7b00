/**
 * A Redis that answers but refuses writes, told apart from one that is away:
 * - `full`: `OOM command not allowed when used memory > 'maxmemory'` (with
 *   `maxmemory-policy noeviction`, as chatbatch asks): nothing is lost, but nothing new fits
 *   until an operator frees memory or raises `maxmemory`;
 * - `refuses-writes`: `READONLY` (connected to a replica, e.g. during or after a failover) or
 *   `MISCONF` (Redis cannot persist to disk and stops writes): usually short-lived.
 * Scripts wrap these replies (`ERR Error running script … OOM command not allowed…`), so the
 * markers are looked for anywhere in the message.
 */
export type RedisRefusal = 'full' | 'refuses-writes';

const FULL = /\bOOM command not allowed\b/;
const REFUSES_WRITES = /\bREADONLY\b|\bMISCONF\b/;

export function redisRefusal(error: unknown): RedisRefusal | undefined {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  if (FULL.test(message)) return 'full';
  if (REFUSES_WRITES.test(message)) return 'refuses-writes';
  return undefined;
}
