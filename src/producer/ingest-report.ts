import type { RejectedRow } from '../shared/records.js';

/** What an ingest did, as printed by `ingest --json` and returned by the API (docs/reference/contract.md). */
export interface IngestReport {
  batchId: string;
  /** Distinct conversations in the input. */
  conversations: number;
  /** Turns of the accepted conversations. */
  turns: number;
  /** Conversations accepted (and enqueued, unless a dry run). */
  accepted: number;
  /** Conversations rejected because at least one of their rows is invalid. */
  rejected: number;
  /** Conversations that the batch holds already (a re-run of the same input). */
  duplicates: number;
  /** The first 1,000 rejected rows, in input order (see rejected-rows.ts for the bounds). */
  rejectedRows: RejectedRow[];
  /** Rejected rows past those listed; present only when some were left out. */
  rejectedRowsOmitted?: number;
  /** The omitted rows counted by error message (at most 100 messages, then "(other errors)"). */
  rejectedErrorCounts?: Record<string, number>;
  /** True when nothing was enqueued: a dry run, or --strict with a rejected row. */
  discarded: boolean;
  /**
   * Additions to the contract's report. CSV only: the cell separator used (detected from the
   * header line unless given).
   */
  delimiter?: string;
  /** Things worth a look that rejected nothing (a header naming a column almost like a reserved one). */
  warnings: string[];
}

export type { RejectedRow } from '../shared/records.js';
