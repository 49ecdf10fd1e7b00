import { randomUUID } from 'node:crypto';
import type { Keys } from '../shared/keys.js';
import type { Metrics } from '../shared/metrics.js';
import type { Redis } from 'ioredis';
import type { BatchStore } from '../store/batch-store.js';
import { createIngestStore, type StagedRow } from '../store/ingest-store.js';
import type { FirstTurnPayload, TurnQueue } from '../shared/turn-queue.js';
import type { IngestReport } from './ingest-report.js';
import { RejectedRowsCollector } from './rejected-rows.js';
import type { RejectedStore } from '../store/rejected-store.js';
import type { SendWindow } from '../shared/send-window.js';
import type { FrequencyCap } from '../shared/frequency-cap.js';
import type { Priority } from '../store/lane-store.js';
import type { IngestRow } from './ingest-row.js';
import type { OptInEventType } from '../shared/webhook-settings.js';
import type { CsvReadNotes } from './csv/read-notes.js';
import { createPipelineStep } from './pipeline-step.js';

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
  /**
   * At most this many conversations started per recipient in the period, across batches;
   * undefined takes the default (CHATBATCH_FREQUENCY_CAP), null means none for this batch.
   */
  frequencyCap?: FrequencyCap | null;
  /** The batch's lane: high, normal (default) or low. */
  priority?: Priority;
  /** Its share within the lane, 1–100 (default 1). */
  weight?: number;
  /** Clock for the schedule delay; default Date.now. */
  now?: () => number;
  /** Where the batch's webhook events go; default `IngestDeps.defaultWebhookUrl`. */
  webhookUrl?: string;
  /** Opt-in webhook event types (e.g. `conversation.finished`); default none. */
  webhookEvents?: readonly OptInEventType[];
  /** What the CSV reader noted (separator, warnings), copied into the report. Default none. */
  notes?: CsvReadNotes;
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
  /** Webhook URL of batches created without one (CHATBATCH_WEBHOOK_URL). Default none. */
  defaultWebhookUrl?: string;
  /** Most turns per conversation (CHATBATCH_MAX_TURNS). */
  maxTurns: number;
  /** The frequency cap of batches that set none (CHATBATCH_FREQUENCY_CAP). */
  defaultFrequencyCap?: FrequencyCap;
}

/** The batch was cancelled: nothing more may be added to it. */
export class BatchCancelledError extends Error {
  override readonly name = 'BatchCancelledError';
  constructor(readonly batchId: string) {
    super(`batch ${batchId} is cancelled: nothing can be added to it; use a new batch id`);
  }
}

/** Rows per staging script call; large enough to amortise the round trip. */
const STAGE_CHUNK = 500;
const SETTLE_CHUNK = 1000;

/** How often a running ingest tells the watchdog it is alive (its staging is kept). */
const HEARTBEAT_MS = 60_000;

const stageErrors = (maxTurns: number): Record<string, string> => ({
  A: "agent_id: differs from the conversation's first row",
  P: "previous_chat_id: only allowed on a conversation's first row",
  G: "agent_id: empty on the conversation's first row, and no --agent-id given",
  T: `turns: the conversation has more than ${maxTurns} turns (CHATBATCH_MAX_TURNS)`,
  R: "recipient_id: differs from the conversation's first row",
});

/**
 * The one ingest path for CSV files and API bodies: stage rows in Redis as they stream in,
 * then commit whole conversations (or reject them whole) and enqueue their first turns.
 * Memory stays flat in the input size: rejected rows are kept for the report within fixed bounds.
 *
 * Each commit chunk is one script: a conversation becomes pending, counted and part of the
 * batch's order together, so results, `cancel` and the watchdog see it at once. Its first job is
 * added right after; if the process dies in between, the watchdog queues it. A run that fails
 * drops its staging at once (no customer text left behind); one that dies is dropped by the
 * watchdog once its liveness key expires.
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
    maxTurns: deps.maxTurns,
  });
  const STAGE_ERRORS = stageErrors(deps.maxTurns);
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
    frequencyCap:
      options.frequencyCap === null
        ? undefined
        : (options.frequencyCap ?? deps.defaultFrequencyCap),
    priority: options.priority,
    weight: options.weight,
    webhookUrl: options.webhookUrl ?? deps.defaultWebhookUrl,
    webhookEvents: options.webhookEvents,
  };
  const now = (options.now ?? Date.now)();
  // A batch that starts later is queued by one kickoff job at its start: it takes its place in
  // the fair lanes then, not now (see TurnQueue.scheduleKickoff).
  const startsLater = options.scheduleAt !== undefined && options.scheduleAt > now;
  const queueFirstTurns = async (
    conversations: { conversationId: string; firstTurn?: FirstTurnPayload }[],
  ) => {
    if (startsLater || conversations.length === 0) return;
    await deps.turnQueue.addTurns(
      batchId,
      conversations.map((c) => ({ ...c, turn: 1 })),
    );
  };
  let accepted = 0;
  let rejected = 0;
  let turns = 0;
  let rejectedTurns = 0;
  let standaloneStaged = 0;
  let seq = 0;
  const toStaged = (row: IngestRow) => toStagedRow(row, ++seq);

  /** Rows that are whole conversations take the light staging: nothing to group. */
  async function stageStandalone(rows: IngestRow[]): Promise<void> {
    const codes = await staging.stageStandalone(rows.map(toStaged));
    codes.forEach((code) => {
      if (code === 'S') standaloneStaged++;
      else {
        duplicates++;
        duplicateRows++;
      }
    });
  }

  async function stage(rows: IngestRow[]): Promise<void> {
    const codes = await staging.stage(rows.map(toStaged));
    codes.forEach((code, i) => {
      const row = rows[i]!;
      if (code === 'D') duplicates++;
      if (code === 'D' || code === 'd') duplicateRows++;
      else if (row.errors.length > 0 || STAGE_ERRORS[code]) {
        reject(row, STAGE_ERRORS[code] ? [...row.errors, STAGE_ERRORS[code]] : row.errors);
      }
    });
  }

  const heartbeat = setInterval(() => {
    staging.heartbeat().catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    let chunk: IngestRow[] = [];
    const flush = async (rowsOfChunk: IngestRow[]) => {
      const grouped: IngestRow[] = [];
      const standalone: IngestRow[] = [];
      for (const row of rowsOfChunk) {
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
      rowsRead += rowsOfChunk.length;
      options.onProgress?.(rowsRead);
    };
    // One chunk is staged while the next is read: the CSV parser's CPU and Redis overlap. A
    // chunk starts only when the one before has finished, so rows are numbered, rejected and
    // staged in file order as before.
    const staged = createPipelineStep();
    try {
      for await (const row of rows) {
        chunk.push(row);
        if (chunk.length >= STAGE_CHUNK) {
          const full = chunk;
          chunk = [];
          await staged.next(() => flush(full));
        }
      }
      await staged.drain();
      if (chunk.length > 0) await flush(chunk);
    } finally {
      await staged.settled();
    }

    const discard = Boolean(options.dryRun) || (Boolean(options.strict) && rejectedRows.count > 0);
    if (!discard) {
      await deps.batchStore.ensureBatch(batchId, batchSettings);
      if ((await deps.batchStore.status(batchId))?.state === 'cancelled')
        throw new BatchCancelledError(batchId);
      await staging.openOrder();
      if (startsLater) await deps.turnQueue.scheduleKickoff(batchId, options.scheduleAt!, now);
    }

    if (discard) {
      // Would have been accepted: a dry run reports them so.
      accepted += standaloneStaged;
      turns += standaloneStaged;
    }
    // A chunk's first turns are queued while the next chunk settles (as above: one at a time,
    // in order). A crash between the two leaves committed conversations without a job, which
    // the watchdog requeues, as it always could between a settle and its queueing.
    const queued = createPipelineStep();
    try {
      for (;;) {
        const ids = await staging.settleStandalone(discard, SETTLE_CHUNK);
        if (ids.length === 0) break;
        accepted += ids.length;
        turns += ids.length;
        await queued.next(() => queueFirstTurns(ids));
      }
      for (;;) {
        const settled = await staging.settleNext(discard, SETTLE_CHUNK);
        if (settled.length === 0) break;
        const toQueue: { conversationId: string; firstTurn?: FirstTurnPayload }[] = [];
        for (const conversation of settled) {
          if (conversation.verdict === 'rejected') {
            rejected++;
            rejectedTurns += conversation.turns;
            continue;
          }
          accepted++;
          turns += conversation.turns;
          if (conversation.verdict === 'accepted') toQueue.push(conversation);
        }
        await queued.next(() => queueFirstTurns(toQueue));
      }
      await queued.drain();
    } finally {
      await queued.settled();
    }

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
      ...(options.notes?.delimiter === undefined ? {} : { delimiter: options.notes.delimiter }),
      warnings: options.notes?.warnings ?? [],
    };
  } finally {
    clearInterval(heartbeat);
    // After a commit only bookkeeping is left; after a failure, rows that were never committed.
    await staging.drop().catch(() => undefined);
  }
}

function toStagedRow(row: IngestRow, seq: number): StagedRow {
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
    seq,
    recipientId: row.recipientId ?? '',
  };
}
