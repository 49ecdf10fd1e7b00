import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import type { RejectedRow } from '../shared/records.js';
import { storeScripts } from './scripts.js';

/** Rows not kept, counted by error message. */
export interface OmittedRejections {
  count: number;
  /** message → rows with that error (a row with two errors counts in both). */
  errorCounts: Record<string, number>;
}

/**
 * What a batch keeps of its rejected rows, and its bounds (also those of an ingest's report:
 * producer/rejected-rows.ts).
 */
export const REJECTED_STORE_LIMITS = Object.freeze({
  /** Rows kept per batch (the first ones rejected, across its ingests). */
  rows: 10_000,
  /** Distinct error messages counted by name for the rows past that; the others together. */
  messages: 100,
});

/** Where the rows past the counted messages are counted. */
export const OTHER_ERRORS = '(other errors)';
const SEPARATOR = '\u001f';
/** Rows per script call: each call is a short Redis block (about a millisecond). */
const SAVE_CHUNK = 1000;

export interface RejectedStore {
  /**
   * Adds an ingest's rejected rows to its batch: `rows` (already bounded, see
   * producer/rejected-rows.ts) and the counts of the rows it did not keep itself.
   */
  save(
    batchId: string,
    rejected: { rows: RejectedRow[]; omitted: OmittedRejections },
  ): Promise<void>;
  /** The kept rows in input order, and the counts of the others; undefined when none. */
  read(batchId: string): Promise<{ rows: RejectedRow[]; omitted: OmittedRejections } | undefined>;
}

function positionOf(row: RejectedRow): string {
  return row.line !== null ? `L${row.line}` : `I${row.index ?? ''}`;
}

/** Input order: file line, or index in a JSON request. */
export const byPosition = (a: RejectedRow, b: RejectedRow) =>
  (a.line ?? 0) - (b.line ?? 0) || (a.index ?? 0) - (b.index ?? 0);

/**
 * A batch's rejected rows, kept with it in Redis (same retention: the key's TTL is set here and
 * refreshed with the batch's, see lua-common.ts) for `chatbatch rejected` and
 * `GET /v1/batches/:id/rejected`. Never the input text: position, conversation id and errors.
 */
export function createRejectedStore(deps: {
  redis: Redis;
  keys: Keys;
  /** Seconds the record lives after its last write (CHATBATCH_RETENTION_DAYS). */
  retentionSeconds: number;
}): RejectedStore {
  const { redis, keys, retentionSeconds } = deps;
  const run = storeScripts(redis);

  return {
    async save(batchId, { rows, omitted }) {
      const key = keys.rejected(batchId);
      for (let start = 0; start === 0 || start < rows.length; start += SAVE_CHUNK) {
        const chunk = rows.slice(start, start + SAVE_CHUNK);
        const last = start + SAVE_CHUNK >= rows.length;
        const args: (string | number)[] = [
          key,
          REJECTED_STORE_LIMITS.rows,
          REJECTED_STORE_LIMITS.messages,
          retentionSeconds,
          chunk.length,
          OTHER_ERRORS,
        ];
        for (const row of chunk)
          args.push(`${positionOf(row)}${SEPARATOR}${row.conversationId}`, JSON.stringify(row));
        args.push(last ? omitted.count : 0);
        if (last)
          for (const [message, n] of Object.entries(omitted.errorCounts)) args.push(message, n);
        await run('cbSaveRejected', args);
      }
    },

    async read(batchId) {
      const key = keys.rejected(batchId);
      const rows: RejectedRow[] = [];
      const errorCounts: Record<string, number> = Object.create(null) as Record<string, number>;
      let count = 0;
      let seen = false;
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(key, cursor, 'COUNT', 1000);
        cursor = next;
        for (let i = 0; i < flat.length; i += 2) {
          seen = true;
          const field = flat[i]!;
          const value = flat[i + 1]!;
          if (field.startsWith('r')) rows.push(JSON.parse(value) as RejectedRow);
          else if (field.startsWith('o')) errorCounts[field.slice(1)] = Number(value);
          else if (field === 'x') count = Number(value);
        }
      } while (cursor !== '0');
      if (!seen) return undefined;
      return { rows: rows.sort(byPosition), omitted: { count, errorCounts } };
    },
  };
}
