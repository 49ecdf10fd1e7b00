import { createHash } from 'node:crypto';

/**
 * Every Redis key of one prefix, in one place. All of them share the hash tag `{prefix}`
 * so BullMQ's Lua scripts and our multi-key scripts stay on one Redis Cluster slot.
 */
export interface Keys {
  /** The BullMQ `prefix` option: BullMQ builds `{prefix}:turns:*` from it. */
  readonly bullPrefix: string;
  /** Hash: a batch's settings, state and counters. */
  batch(batchId: string): string;
  /** List: the batch's turns in input order, as `conversationId \u001f turn`. */
  order(batchId: string): string;
  /** Hash: one conversation (field `m` its settings and state, `t<k>` its turn k). */
  conversation(batchId: string, conversationId: string): string;
  /** Set: conversations whose last turn failed (for retry-failed). */
  failed(batchId: string): string;
  /** Set: conversations whose job was set aside while the batch was paused. */
  parked(batchId: string): string;
  /** Prefix of one ingest run's staging keys (see the ingest scripts). */
  readonly stagingPrefix: string;
  /** The key prefix of a batch's conversations (the conversation id follows). */
  conversationPrefix(batchId: string): string;
  /** Sorted set: batch ids by creation time. */
  readonly batches: string;
  /** Prefix of BullMQ's job hashes (the job id follows). */
  readonly jobPrefix: string;
  /** String: set while the queue is paused because the vendor refused our API key. */
  readonly authPause: string;
  /** String: lock so that one worker at a time runs the stuck-work watchdog. */
  readonly watchdogLock: string;
  /** Hash: a recurring schedule's definition (see producer/schedules). */
  schedule(name: string): string;
  /** Sorted set: schedule names. */
  readonly schedules: string;
  /** String: an `Idempotency-Key` record; `digest` is a hash of the token scope and the key. */
  idempotency(digest: string): string;
  /** Hash: the fleet's adaptive pacing state (src/worker/pacing), written only by Lua. */
  readonly pacer: string;
  /**
   * String: turns completed by the whole fleet in one quarter second (`PACER_SLOT_MS` slot of
   * the epoch); expires after 10 s.
   */
  pacerAccepted(slot: number): string;
}

export const QUEUE_NAME = 'turns';

/** The pacer counts completed turns in slots of this many ms (keys.pacerAccepted). */
export const PACER_SLOT_MS = 250;

export function makeKeys(prefix: string): Keys {
  const tag = `{${prefix}}`;
  return Object.freeze({
    bullPrefix: tag,
    batch: (b: string) => `${tag}:b:${b}`,
    order: (b: string) => `${tag}:b:${b}:order`,
    conversation: (b: string, c: string) => `${tag}:c:${b}:${c}`,
    failed: (b: string) => `${tag}:b:${b}:failed`,
    parked: (b: string) => `${tag}:b:${b}:parked`,
    stagingPrefix: `${tag}:staging:`,
    conversationPrefix: (b: string) => `${tag}:c:${b}:`,
    batches: `${tag}:batches`,
    jobPrefix: `${tag}:${QUEUE_NAME}:`,
    authPause: `${tag}:auth-pause`,
    watchdogLock: `${tag}:watchdog`,
    schedule: (name: string) => `${tag}:schedule:${name}`,
    schedules: `${tag}:schedules`,
    idempotency: (digest: string) => `${tag}:idem:${digest}`,
    pacer: `${tag}:pacer`,
    pacerAccepted: (slot: number) => `${tag}:pacer:ok:${slot}`,
  });
}

/**
 * A deterministic BullMQ job id for a conversation's turn. BullMQ ids must not contain `:`
 * and must not be all digits, and conversation ids are user text, so hash them. SHA-1 in hex
 * because Redis Lua can compute the same (`redis.sha1hex`): the watchdog script checks
 * whether a conversation's job exists without a round trip per conversation.
 */
export function turnJobId(batchId: string, conversationId: string, turn: number): string {
  const digest = createHash('sha1')
    .update(batchId)
    .update('\u0000')
    .update(conversationId)
    .digest('hex');
  return `t-${digest}-${turn}`;
}
