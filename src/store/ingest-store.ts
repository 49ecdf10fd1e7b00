import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import { storeScripts } from './scripts.js';

/** One row on its way into a staged conversation. */
export interface StagedRow {
  conversationId: string;
  /** 1-based line of a CSV row; null for rows of a JSON body. */
  line: number | null;
  input: string;
  /** Empty string when the row has none (later rows inherit the first row's). */
  agentId: string;
  previousChatId: string;
  timezone: string;
  /** JSON of the row's variables, or '' when it has none. */
  variablesJson: string;
  /** The row failed validation: its conversation will be rejected whole. */
  bad: boolean;
}

/** Per-row verdict of staging (see STAGE_ROWS). */
export type StageCode = 'S' | 's' | 'D' | 'd' | 'A' | 'P';

export interface CommittedConversation {
  conversationId: string;
  verdict: 'accepted' | 'rejected' | 'discarded';
  turns: number;
}

/**
 * The staging area of one ingest run: rows go in as they are read, then the run either
 * commits (valid conversations become pending, rejected ones vanish) or discards.
 */
export interface IngestStore {
  stage(rows: readonly StagedRow[]): Promise<StageCode[]>;
  /**
   * Stages rows that are whole conversations (lighter than `stage`: nothing to group):
   * S staged, D the batch has it already.
   */
  stageStandalone(rows: readonly StagedRow[]): Promise<('S' | 'D')[]>;
  /**
   * Makes the next chunk of staged standalone conversations pending and returns their ids
   * ([] when all are done); with `discard`, deletes them all and returns [].
   */
  settleStandalone(discard: boolean, chunk: number): Promise<string[]>;
  /** Commits or discards the next chunk of staged conversations; [] when all are done. */
  settleNext(discard: boolean, chunk: number): Promise<CommittedConversation[]>;
  /** Appends the staged turns of accepted conversations to the batch's input order. */
  commitOrder(chunk: number): Promise<void>;
  /** Deletes the run's own bookkeeping keys. */
  cleanup(): Promise<void>;
}

/** A row's script arguments, in the order the staging scripts read them. */
function rowArgs(row: StagedRow): (string | number)[] {
  return [
    row.conversationId,
    row.line ?? '',
    row.input,
    row.agentId,
    row.previousChatId,
    row.timezone,
    row.variablesJson,
  ];
}

export function createIngestStore(deps: {
  redis: Redis;
  keys: Keys;
  batchId: string;
  runId: string;
  retentionSeconds: number;
}): IngestStore {
  const { redis, keys, batchId, runId, retentionSeconds } = deps;
  const run = storeScripts(redis);
  const base = `${keys.stagingPrefix}${runId}`;
  const stagingKeys = {
    conversations: base,
    order: `${base}:order`,
    duplicates: `${base}:dup`,
    standalone: `${base}:solo`,
    alive: `${base}:alive`,
  };
  const conversationPrefix = keys.conversationPrefix(batchId);

  return {
    async stage(rows) {
      if (rows.length === 0) return [];
      const args: (string | number)[] = [
        stagingKeys.conversations,
        stagingKeys.order,
        stagingKeys.duplicates,
        stagingKeys.alive,
        conversationPrefix,
        runId,
        keys.stagingPrefix,
      ];
      for (const row of rows) args.push(...rowArgs(row), row.bad ? '1' : '0');
      const codes = String(await run('cbStageRows', args));
      return codes.split('') as StageCode[];
    },

    async stageStandalone(rows) {
      if (rows.length === 0) return [];
      const args: (string | number)[] = [
        stagingKeys.standalone,
        stagingKeys.alive,
        conversationPrefix,
        runId,
        keys.stagingPrefix,
      ];
      for (const row of rows) args.push(...rowArgs(row));
      return String(await run('cbStageStandalone', args)).split('') as ('S' | 'D')[];
    },

    async settleStandalone(discard, chunk) {
      for (;;) {
        const accepted = (await run('cbSettleStandalone', [
          stagingKeys.standalone,
          keys.batch(batchId),
          keys.order(batchId),
          conversationPrefix,
          runId,
          chunk,
          retentionSeconds,
          discard ? '1' : '0',
        ])) as string[];
        if (accepted.length > 0) return accepted;
        if ((await redis.llen(stagingKeys.standalone)) === 0) return [];
      }
    },

    async settleNext(discard, chunk) {
      const ids = await redis.lpop(stagingKeys.conversations, chunk);
      if (!ids || ids.length === 0) return [];
      await redis.set(stagingKeys.alive, '1', 'EX', 300);
      const reply = (await run('cbCommitStaged', [
        keys.batch(batchId),
        conversationPrefix,
        runId,
        retentionSeconds,
        discard ? '1' : '0',
        ...ids,
      ])) as (string | number)[];
      const settled: CommittedConversation[] = [];
      for (let i = 0; i < reply.length; i += 3) {
        const code = reply[i + 1];
        settled.push({
          conversationId: String(reply[i]),
          verdict: code === 'A' ? 'accepted' : code === 'R' ? 'rejected' : 'discarded',
          turns: Number(reply[i + 2]),
        });
      }
      return settled;
    },

    async commitOrder(chunk) {
      let left = 1;
      while (left > 0) {
        left = Number(
          await run('cbCommitOrder', [
            stagingKeys.order,
            keys.order(batchId),
            conversationPrefix,
            chunk,
            retentionSeconds,
          ]),
        );
      }
    },

    async cleanup() {
      await redis.del(...Object.values(stagingKeys));
    },
  };
}
