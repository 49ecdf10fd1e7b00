import type { IngestReport, RejectedRow } from './ingest-report.js';
import {
  OTHER_ERRORS,
  REJECTED_STORE_LIMITS,
  byPosition,
  type OmittedRejections,
} from '../store/rejected-store.js';

/**
 * The rejected rows of one ingest, kept within fixed bounds whatever the input: an all-invalid
 * 10 MB CSV has millions of them, and listing each in the report took the API to gigabytes.
 * - The report lists the first `reportRows` rows in full; the rest are counted by error message.
 * - The batch keeps the first REJECTED_STORE_LIMITS.rows rows (rejected-store.ts), the rest
 *   counted likewise.
 * - Each kept row is bounded: its conversation id, its error count and each message are cut.
 * - Counts name at most REJECTED_STORE_LIMITS.messages distinct messages (a message may quote a
 *   cell, so a broken column could make every row's message different); the rest go under
 *   OTHER_ERRORS.
 */
export const REJECTED_ROW_LIMITS = Object.freeze({
  /** Rows listed in full in an ingest report. */
  reportRows: 1000,
  /** Errors listed per row. */
  errorsPerRow: 10,
  /** Characters of one error message. */
  messageChars: 300,
  /** Characters of a conversation id as reported. */
  conversationIdChars: 256,
});

/** Adds `n` to a message's count, holding the number of distinct messages to the limit. */
function addCount(counts: Map<string, number>, message: string, n: number): void {
  const key =
    counts.has(message) || counts.size < REJECTED_STORE_LIMITS.messages ? message : OTHER_ERRORS;
  counts.set(key, (counts.get(key) ?? 0) + n);
}

function countErrors(counts: Map<string, number>, errors: readonly string[]): void {
  for (const message of errors) addCount(counts, message, 1);
}

function cut(text: string, max: number): string {
  return (text.length > max ? `${text.slice(0, max)}…` : text).toWellFormed();
}

/** The row as it may be reported and stored: bounded, well-formed, never the input text. */
export function boundedRow(row: RejectedRow): RejectedRow {
  const { errorsPerRow, messageChars, conversationIdChars } = REJECTED_ROW_LIMITS;
  const errors = row.errors.slice(0, errorsPerRow).map((message) => cut(message, messageChars));
  if (row.errors.length > errorsPerRow)
    errors.push(`… and ${row.errors.length - errorsPerRow} more problems`);
  return {
    line: row.line,
    ...(row.index === undefined ? {} : { index: row.index }),
    conversationId: cut(row.conversationId, conversationIdChars),
    errors,
  };
}

/**
 * Collects the rejected rows of one ingest, in the order they are rejected (file order for
 * CSV, request order for JSON). Memory is bounded by the limits above, not by the input.
 */
export class RejectedRowsCollector {
  #kept: RejectedRow[] = [];
  #total = 0;
  /** Errors of the rows past `storedRows`. */
  #pastStored = new Map<string, number>();
  /** Errors of the rows from `reportRows` to `storedRows` (they are stored, not reported). */
  #pastReported = new Map<string, number>();

  /** Rows rejected so far. */
  get count(): number {
    return this.#total;
  }

  add(row: RejectedRow): void {
    this.#total++;
    const { reportRows } = REJECTED_ROW_LIMITS;
    const storedRows = REJECTED_STORE_LIMITS.rows;
    if (this.#kept.length < storedRows) {
      const bounded = boundedRow(row);
      this.#kept.push(bounded);
      if (this.#kept.length > reportRows) countErrors(this.#pastReported, bounded.errors);
    } else {
      countErrors(
        this.#pastStored,
        row.errors.map((message) => cut(message, REJECTED_ROW_LIMITS.messageChars)),
      );
    }
  }

  /** The report's part: the first rows in full, the rest counted. */
  report(): { rejectedRows: RejectedRow[]; omitted: OmittedRejections | undefined } {
    const listed = this.#kept.slice(0, REJECTED_ROW_LIMITS.reportRows).sort(byPosition);
    const omitted = this.#total - listed.length;
    if (omitted === 0) return { rejectedRows: listed, omitted: undefined };
    const counts = new Map(this.#pastReported);
    for (const [message, n] of this.#pastStored) addCount(counts, message, n);
    return {
      rejectedRows: listed,
      omitted: { count: omitted, errorCounts: Object.fromEntries(counts) },
    };
  }

  /** What the batch keeps: the first `storedRows` rows and the counts of the others. */
  stored(): { rows: RejectedRow[]; omitted: OmittedRejections } {
    return {
      rows: this.#kept,
      omitted: {
        count: this.#total - this.#kept.length,
        errorCounts: Object.fromEntries(this.#pastStored),
      },
    };
  }
}

/**
 * The report with its listed rows folded into the counts: what an Idempotency-Key replay
 * answers when the full report is over the size the idempotency store keeps.
 */
export function foldRejectedRows(report: IngestReport): IngestReport {
  const counts = new Map<string, number>();
  for (const row of report.rejectedRows) countErrors(counts, row.errors);
  for (const [message, n] of Object.entries(report.rejectedErrorCounts ?? {}))
    addCount(counts, message, n);
  const omitted = report.rejectedRows.length + (report.rejectedRowsOmitted ?? 0);
  return {
    ...report,
    rejectedRows: [],
    ...(omitted > 0
      ? { rejectedRowsOmitted: omitted, rejectedErrorCounts: Object.fromEntries(counts) }
      : {}),
  };
}
