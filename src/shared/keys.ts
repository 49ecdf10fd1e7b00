import { hash } from 'node:crypto';

/**
 * Every Redis key of one prefix, in one place. All of them share the hash tag `{prefix}`
 * so BullMQ's Lua scripts and our multi-key scripts stay on one Redis Cluster slot. Each builder
 * is described (type, content, TTL) in docs/reference/redis-layout.md.
 */
export interface Keys {
  /** The BullMQ `prefix` option: BullMQ builds `{prefix}:turns:*` from it. */
  readonly bullPrefix: string;
  /** Hash: a batch's settings, state and counters. */
  batch(batchId: string): string;
  /**
   * Sorted set: the batch's committed turns, `conversationId \u001f turn`, scored by their place
   * in the input (see lua-ingest.ts). Its turn-1 members are the batch's committed conversations.
   */
  order(batchId: string): string;
  /** Hash: one conversation (field `m` its settings and state, `t<k>` its turn k). */
  conversation(batchId: string, conversationId: string): string;
  /** Set: conversations whose last turn failed (for retry-failed). */
  failed(batchId: string): string;
  /** Set: conversations whose job was set aside while the batch was paused. */
  parked(batchId: string): string;
  /** Hash: the batch's rejected rows (store/lua-rejected.ts); retention as the batch's hash. */
  rejected(batchId: string): string;
  /** Prefix of one ingest run's staging keys (see the ingest scripts). */
  readonly stagingPrefix: string;
  /** Hash: ingest runs that may have staged rows, run id → batch id (the watchdog drops dead ones). */
  readonly stagingRuns: string;
  /** The key prefix of a batch's conversations (the conversation id follows). */
  conversationPrefix(batchId: string): string;
  /** Sorted set: batch ids by creation time. */
  readonly batches: string;
  /** Prefix of BullMQ's job hashes (the job id follows). */
  readonly jobPrefix: string;
  /** BullMQ's sorted set of the turn queue's prioritized jobs (the fair lanes). */
  readonly turnsPrioritized: string;
  /** Hash: each lane's virtual time and epoch (lua-lanes.ts). */
  readonly lanes: string;
  /** String: set while the queue is paused because the vendor refused our API key. */
  readonly authPause: string;
  /** String: lock so that one worker at a time runs the stuck-work watchdog. */
  readonly watchdogLock: string;
  /** Hash: the suppression list, recipient id → `{reason, source, at}` JSON. */
  readonly suppressions: string;
  /** Prefix of the sorted sets of conversations started per recipient (the id follows). */
  readonly contactsPrefix: string;
  /** Hash: conversations the watchdog saw without a job at its last sweep, id → `turn:since`. */
  watchdogSuspects(batchId: string): string;
  /** String: the API's readiness write probe (a timestamp, 10 s TTL). */
  readonly readyProbe: string;
  /** String: a recurring schedule's definition as JSON, its CSV included (see producer/schedules). */
  schedule(name: string): string;
  /** Set: schedule names. */
  readonly schedules: string;
  /** String: an `Idempotency-Key` record; `digest` is a hash of the token scope and the key. */
  idempotency(digest: string): string;
  /**
   * List: webhook events written by the store scripts with the state change they report
   * (src/store/lua-events.ts derives it from a batch key: `{prefix}` + WEBHOOK_OUTBOX_SUFFIX).
   */
  readonly webhookOutbox: string;
  /** Sorted set: webhook job ids queued and not yet settled, scored by when they began (ms). */
  readonly webhookPending: string;
  /** Prefix of the webhook queue's BullMQ job hashes (the job id follows). */
  readonly webhookJobPrefix: string;
  /** Hash: a batch's webhook events that failed for good (event id → JSON), for `webhooks retry`. */
  webhookFailed(batchId: string): string;
  /** String: lock so that one worker at a time moves the outbox into the webhook queue. */
  readonly webhookRelayLock: string;
  /** Hash: the fleet's adaptive pacing state (src/worker/pacing), written only by Lua. */
  readonly pacer: string;
  /**
   * String: turns completed by the whole fleet in one quarter second (`PACER_SLOT_MS` slot of
   * the epoch); expires after 10 s.
   */
  pacerAccepted(slot: number): string;
  /**
   * String: the share of 429s the vendor gives even at a rate it takes, as a worker learnt it
   * (src/worker/pacing/noise-floor.ts), for workers that have not learnt it yet.
   */
  readonly pacerNoise: string;
  /** Pub/sub channel: a worker paused the fleet (src/store/fleet-pause-channel.ts). */
  readonly pacerPauses: string;
}

export const QUEUE_NAME = 'turns';
/** The BullMQ queue of webhook deliveries. */
export const WEBHOOK_QUEUE_NAME = 'webhooks';
/** The outbox key after the `{prefix}` tag (Lua builds it from a batch key's tag). */
export const WEBHOOK_OUTBOX_SUFFIX = ':wh:outbox';

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
    rejected: (b: string) => `${tag}:b:${b}:rejected`,
    stagingPrefix: `${tag}:staging:`,
    stagingRuns: `${tag}:staging-runs`,
    conversationPrefix: (b: string) => `${tag}:c:${b}:`,
    batches: `${tag}:batches`,
    jobPrefix: `${tag}:${QUEUE_NAME}:`,
    turnsPrioritized: `${tag}:${QUEUE_NAME}:prioritized`,
    lanes: `${tag}:lanes`,
    authPause: `${tag}:auth-pause`,
    watchdogLock: `${tag}:watchdog`,
    suppressions: `${tag}:suppressions`,
    contactsPrefix: `${tag}:contacts:`,
    watchdogSuspects: (b: string) => `${tag}:b:${b}:suspects`,
    readyProbe: `${tag}:ready-probe`,
    schedule: (name: string) => `${tag}:schedule:${name}`,
    schedules: `${tag}:schedules`,
    idempotency: (digest: string) => `${tag}:idem:${digest}`,
    webhookOutbox: `${tag}${WEBHOOK_OUTBOX_SUFFIX}`,
    webhookPending: `${tag}:wh:pending`,
    webhookJobPrefix: `${tag}:${WEBHOOK_QUEUE_NAME}:`,
    webhookFailed: (b: string) => `${tag}:wh:failed:${b}`,
    webhookRelayLock: `${tag}:wh:relay`,
    pacer: `${tag}:pacer`,
    pacerAccepted: (slot: number) => `${tag}:pacer:ok:${slot}`,
    pacerNoise: `${tag}:pacer:noise`,
    pacerPauses: `${tag}:pacer:pauses`,
  });
}

/** The batch id of a batch key (`keys.batch(id)`), or undefined for any other key. */
export function batchIdOfKey(keys: Keys, key: string): string | undefined {
  const start = keys.batch('');
  return key.startsWith(start) && key.length > start.length ? key.slice(start.length) : undefined;
}

/** The job id of a scheduled batch's kickoff job (see turn-queue.ts). */
export function kickoffJobId(batchId: string): string {
  return `k-${hash('sha1', batchId, 'hex')}`;
}

/**
 * A deterministic BullMQ job id for a conversation's turn. BullMQ ids must not contain `:`
 * and must not be all digits, and conversation ids are user text, so hash them. SHA-1 in hex
 * because Redis Lua can compute the same (`redis.sha1hex`): the watchdog script checks
 * whether a conversation's job exists without a round trip per conversation.
 */
export function turnJobId(batchId: string, conversationId: string, turn: number): string {
  // The one-shot hash: a third of createHash's time, on every queued turn.
  return `t-${hash('sha1', `${batchId}\u0000${conversationId}`, 'hex')}-${turn}`;
}
