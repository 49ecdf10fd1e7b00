import { randomUUID } from 'node:crypto';
import type { Keys } from '../shared/keys.js';
import type { Metrics } from '../shared/metrics.js';
import type { Redis } from 'ioredis';
import type { BatchStore } from '../store/batch-store.js';
import { createIngestStore, type StagedRow } from '../store/ingest-store.js';
import type { TurnQueue } from '../shared/turn-queue.js';
import type { IngestReport } from './ingest-report.js';
import { RejectedRowsCollector } from './rejected-rows.js';
import type { RejectedStore } from '../store/rejected-store.js';
import type { SendWindow } from '../shared/send-window.js';
import type { IngestRow } from './ingest-row.js';

export type { IngestRow } from './ingest-row.js';

export interface IngestOptions {
  batchId: string;
  /** Batch default agent (also the fallback already applied to rows by the reader). */
  agentId?: string;
  /** Validate and report, enqueue nothing. */
  dryRun?: boolean;
  /** Enqueue nothing if any row is rejected. */
  strict?: boolean;
  /** Called every chunk with the number of rows read so far. */
  onProgress?: (rowsRead: number) => void;
  /** Nothing of the batch is sent before this time (ms since the epoch). */
  scheduleAt?: number;
  /** Turns not sent by this time (ms) become expired. */
  expireAt?: number;
  /** Send only inside this window of each recipient's local time. */
  window?: SendWindow;
  /** Clock for the schedule delay; default Date.now. */
  now?: () => number;
}

export interface IngestDeps {
  redis: Redis;
  keys: Keys;
  batchStore: BatchStore;
  turnQueue: TurnQueue;
  metrics?: Metrics;
  retentionSeconds: number;
  /** Keeps the batch's rejected rows for `chatbatch rejected`; none kept without it. */
  rejectedStore?: RejectedStore;
}

/** Rows per staging script call; large enough to amortise the round trip. */
const STAGE_CHUNK = 500;
const SETTLE_CHUNK = 1000;

const STAGE_ERRORS: Record<string, string> = {
  A: "agent_id: differs from the conversation's first row",
  P: "previous_chat_id: only allowed on a conversation's first row",
};

/**
 * The one ingest path for CSV files and API bodies: stage rows in Redis as they stream in,
 * then commit whole conversations (or reject them whole) and enqueue their first turns.
 * Memory stays flat in the input size: rejected rows are kept for the report within fixed bounds.
 */
export async function ingestRows(
  deps: IngestDeps,
  rows: AsyncIterable<IngestRow>,
  options: IngestOptions,
): Promise<IngestReport> {
  const { batchId } = options;
  const staging = createIngestStore({
    redis: deps.redis,
    keys: deps.keys,
    batchId,
    runId: randomUUID(),
    retentionSeconds: deps.retentionSeconds,
  });
  // Bounded however many rows are rejected (rejected-rows.ts).
  const rejectedRows = new RejectedRowsCollector();
  let duplicates = 0;
  let duplicateRows = 0;
  let rowsRead = 0;

  const reject = (row: IngestRow, errors: string[]) => {
    rejectedRows.add({
      line: row.line,
      ...(row.index === undefined ? {} : { index: row.index }),
      conversationId: row.conversationId,
      errors,
    });
  };

  const batchSettings = {
    agentId: options.agentId,
    scheduledAt: options.scheduleAt,
    expireAt: options.expireAt,
    window: options.window,
  };
  const delayMs = options.scheduleAt ? options.scheduleAt - (options.now ?? Date.now)() : undefined;
  let accepted = 0;
  let rejected = 0;
  let turns = 0;
  let rejectedTurns = 0;
  let standaloneStaged = 0;

  /** Rows that are whole conversations take the light staging: nothing to group. */
  async function stageStandalone(rows: IngestRow[]): Promise<void> {
    const codes = await staging.stageStandalone(rows.map(toStagedRow));
    codes.forEach((code) => {
      if (code === 'S') standaloneStaged++;
      else {
        duplicates++;
        duplicateRows++;
      }
    });
  }

  async function stage(rows: IngestRow[]): Promise<void> {
    const codes = await staging.stage(rows.map(toStagedRow));
    codes.forEach((code, i) => {
      const row = rows[i]!;
      if (code === 'D') duplicates++;
      if (code === 'D' || code === 'd') duplicateRows++;
      else if (row.errors.length > 0 || STAGE_ERRORS[code]) {
        reject(row, STAGE_ERRORS[code] ? [...row.errors, STAGE_ERRORS[code]] : row.errors);
      }
    });
  }

  try {
    let chunk: IngestRow[] = [];
    const flush = async () => {
      const grouped: IngestRow[] = [];
      const standalone: IngestRow[] = [];
      for (const row of chunk) {
        if (!row.standalone) grouped.push(row);
        else if (row.errors.length > 0) {
          // A one-row conversation with a bad row is simply rejected: nothing to stage.
          reject(row, row.errors);
          rejected++;
          rejectedTurns++;
        } else standalone.push(row);
      }
      if (grouped.length > 0) await stage(grouped);
      if (standalone.length > 0) await stageStandalone(standalone);
      rowsRead += chunk.length;
      chunk = [];
      options.onProgress?.(rowsRead);
    };
    for await (const row of rows) {
      chunk.push(row);
      if (chunk.length >= STAGE_CHUNK) await flush();
    }
    if (chunk.length > 0) await flush();

    const discard = Boolean(options.dryRun) || (Boolean(options.strict) && rejectedRows.count > 0);
    if (!discard) await deps.batchStore.ensureBatch(batchId, batchSettings);

    if (discard) {
      // Would have been accepted: a dry run reports them so.
      accepted += standaloneStaged;
      turns += standaloneStaged;
    }
    for (;;) {
      const ids = await staging.settleStandalone(discard, SETTLE_CHUNK);
      if (ids.length === 0) break;
      accepted += ids.length;
      turns += ids.length;
      await deps.turnQueue.addTurns(
        batchId,
        ids.map((conversationId) => ({ conversationId, turn: 1 })),
        { delayMs },
      );
    }

    for (;;) {
      const settled = await staging.settleNext(discard, SETTLE_CHUNK);
      if (settled.length === 0) break;
      const toQueue: { conversationId: string; turn: number }[] = [];
      for (const conversation of settled) {
        if (conversation.verdict === 'rejected') {
          rejected++;
          rejectedTurns += conversation.turns;
          continue;
        }
        accepted++;
        turns += conversation.turns;
        if (conversation.verdict === 'accepted')
          toQueue.push({ conversationId: conversation.conversationId, turn: 1 });
      }
      if (toQueue.length > 0) await deps.turnQueue.addTurns(batchId, toQueue, { delayMs });
    }
    if (!discard) await staging.commitOrder(SETTLE_CHUNK);

    if (!discard && deps.metrics) {
      deps.metrics.ingestRows.inc({ result: 'accepted' }, turns);
      deps.metrics.ingestRows.inc({ result: 'rejected' }, rejectedTurns);
      deps.metrics.ingestRows.inc({ result: 'duplicate' }, duplicateRows);
    }
    if (!discard && deps.rejectedStore && rejectedRows.count > 0)
      await deps.rejectedStore.save(batchId, rejectedRows.stored());
    const listed = rejectedRows.report();
    return {
      batchId,
      conversations: accepted + rejected + duplicates,
      turns,
      accepted,
      rejected,
      duplicates,
      rejectedRows: listed.rejectedRows,
      ...(listed.omitted
        ? {
            rejectedRowsOmitted: listed.omitted.count,
            rejectedErrorCounts: listed.omitted.errorCounts,
          }
        : {}),
      discarded: discard,
    };
  } finally {
    await staging.cleanup().catch(() => undefined);
  }
}

function toStagedRow(row: IngestRow): StagedRow {
  const names = Object.keys(row.variables);
  return {
    conversationId: row.conversationId,
    line: row.line,
    input: row.input,
    agentId: row.agentId ?? '',
    previousChatId: row.previousChatId ?? '',
    timezone: row.timezone ?? '',
    variablesJson: names.length > 0 ? JSON.stringify(row.variables) : '',
    bad: row.errors.length > 0,
  };
}
