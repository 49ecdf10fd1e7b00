import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import { storeScripts } from './scripts.js';
import { STAGING_ALIVE_SECONDS, STAGING_MAX_SECONDS } from './ttls.js';
import type { FirstTurnPayload } from '../shared/turn-queue.js';

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
  /** 1-based place of the row in this run's input: its turn's place in the batch's order. */
  seq: number;
  /** The recipient (contact rules), or '' when the row names none. */
  recipientId: string;
}

/** Per-row verdict of staging (see STAGE_ROWS). */
export type StageCode = 'S' | 's' | 'D' | 'd' | 'A' | 'P' | 'G' | 'T' | 'R';

export interface CommittedConversation {
  conversationId: string;
  verdict: 'accepted' | 'rejected' | 'discarded';
  turns: number;
  /** Accepted without a recipient: what its first turn's job carries (the fast path). */
  firstTurn?: FirstTurnPayload;
}

/**
 * The staging area of one ingest run: rows go in as they are read, then the run either
 * commits (valid conversations become pending and take their place in the batch's order, in one
 * script per chunk) or discards. A run that fails or dies leaves nothing visible: `drop()`
 * deletes its staging at once, and the watchdog drops the staging of runs that died.
 */
export interface IngestStore {
  stage(rows: readonly StagedRow[]): Promise<StageCode[]>;
  /**
   * Stages rows that are whole conversations (lighter than `stage`: nothing to group):
   * S staged, D the batch has it already.
   */
  stageStandalone(rows: readonly StagedRow[]): Promise<('S' | 'D')[]>;
  /**
   * Takes this run's place in the batch's order (call once, after the batch exists, before
   * committing): turns of a later run come after this run's in results.
   */
  openOrder(): Promise<void>;
  /**
   * Makes the next chunk of staged standalone conversations pending and returns them ([] when
   * all are done); with `discard`, deletes them all and returns [].
   */
  settleStandalone(
    discard: boolean,
    chunk: number,
  ): Promise<{ conversationId: string; firstTurn?: FirstTurnPayload }[]>;
  /** Commits or discards the next chunk of staged conversations; [] when all are done. */
  settleNext(discard: boolean, chunk: number): Promise<CommittedConversation[]>;
  /** Tells the watchdog this run is alive (the staging of a silent run is dropped). */
  heartbeat(): Promise<void>;
  /** Deletes whatever the run still has staged, and its bookkeeping keys. */
  drop(): Promise<void>;
}

/** The first turn's job payload from the commit scripts' JSON ('' when there is none). */
function firstTurnOf(json: unknown): { firstTurn?: FirstTurnPayload } {
  return typeof json === 'string' && json !== ''
    ? { firstTurn: JSON.parse(json) as FirstTurnPayload }
    : {};
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

/** The keys of one ingest run's staging. */
export function stagingKeysOf(keys: Keys, runId: string) {
  const base = `${keys.stagingPrefix}${runId}`;
  return {
    conversations: base,
    duplicates: `${base}:dup`,
    standalone: `${base}:solo`,
    alive: `${base}:alive`,
  };
}

/** Drops a run's staging in chunks (see DROP_STAGING); safe to repeat. */
export async function dropStaging(
  redis: Redis,
  keys: Keys,
  batchId: string,
  runId: string,
): Promise<void> {
  const run = storeScripts(redis);
  const staging = stagingKeysOf(keys, runId);
  let left = 1;
  while (left > 0) {
    left = Number(
      await run('cbDropStaging', [
        staging.conversations,
        staging.standalone,
        staging.duplicates,
        staging.alive,
        keys.stagingRuns,
        keys.conversationPrefix(batchId),
        runId,
        1000,
      ]),
    );
  }
}

export function createIngestStore(deps: {
  redis: Redis;
  keys: Keys;
  batchId: string;
  runId: string;
  retentionSeconds: number;
  /** Most turns per conversation (CHATBATCH_MAX_TURNS). */
  maxTurns: number;
}): IngestStore {
  const { redis, keys, batchId, runId, retentionSeconds } = deps;
  const run = storeScripts(redis);
  const stagingKeys = stagingKeysOf(keys, runId);
  const stagingTtl = Math.min(STAGING_MAX_SECONDS, retentionSeconds);
  const conversationPrefix = keys.conversationPrefix(batchId);
  // This run's place in the batch's order (runs × 2^32, see lua-ingest.ts); 0 until opened.
  let orderBase = 0;

  return {
    async stage(rows) {
      if (rows.length === 0) return [];
      const args: (string | number)[] = [
        stagingKeys.conversations,
        stagingKeys.duplicates,
        stagingKeys.alive,
        keys.stagingRuns,
        conversationPrefix,
        runId,
        keys.stagingPrefix,
        stagingTtl,
        deps.maxTurns,
        batchId,
      ];
      for (const row of rows)
        args.push(...rowArgs(row), row.bad ? '1' : '0', row.seq, row.recipientId);
      const codes = String(await run('cbStageRows', args));
      return codes.split('') as StageCode[];
    },

    async stageStandalone(rows) {
      if (rows.length === 0) return [];
      const args: (string | number)[] = [
        stagingKeys.standalone,
        stagingKeys.alive,
        keys.stagingRuns,
        conversationPrefix,
        runId,
        keys.stagingPrefix,
        stagingTtl,
        batchId,
      ];
      for (const row of rows) args.push(...rowArgs(row), row.seq, row.recipientId);
      return String(await run('cbStageStandalone', args)).split('') as ('S' | 'D')[];
    },

    async openOrder() {
      const runs = await redis.hincrby(keys.batch(batchId), 'runs', 1);
      orderBase = runs * 2 ** 32;
    },

    async settleStandalone(discard, chunk) {
      for (;;) {
        const reply = (await run('cbSettleStandalone', [
          stagingKeys.standalone,
          keys.batch(batchId),
          keys.order(batchId),
          conversationPrefix,
          runId,
          chunk,
          retentionSeconds,
          discard ? '1' : '0',
          orderBase,
        ])) as string[];
        const accepted: { conversationId: string; firstTurn?: FirstTurnPayload }[] = [];
        for (let i = 0; i < reply.length; i += 2)
          accepted.push({ conversationId: reply[i]!, ...firstTurnOf(reply[i + 1]) });
        if (accepted.length > 0) return accepted;
        if ((await redis.llen(stagingKeys.standalone)) === 0) return [];
      }
    },

    async settleNext(discard, chunk) {
      const reply = (await run('cbCommitStaged', [
        keys.batch(batchId),
        keys.order(batchId),
        stagingKeys.conversations,
        conversationPrefix,
        runId,
        retentionSeconds,
        discard ? '1' : '0',
        orderBase,
        chunk,
      ])) as (string | number)[];
      const settled: CommittedConversation[] = [];
      for (let i = 0; i < reply.length; i += 4) {
        const code = reply[i + 1];
        settled.push({
          conversationId: String(reply[i]),
          verdict: code === 'A' ? 'accepted' : code === 'R' ? 'rejected' : 'discarded',
          turns: Number(reply[i + 2]),
          ...firstTurnOf(reply[i + 3]),
        });
      }
      return settled;
    },

    async heartbeat() {
      await redis.set(stagingKeys.alive, '1', 'EX', STAGING_ALIVE_SECONDS);
    },

    drop: () => dropStaging(redis, keys, batchId, runId),
  };
}
