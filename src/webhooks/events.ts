import { z } from 'zod';
import { batchIdOfKey, type Keys } from '../shared/keys.js';
import type { BatchStatus, ConversationState, TurnRecord } from '../shared/records.js';
import { BATCH_EVENT_TYPES, OPT_IN_EVENT_TYPES } from '../shared/webhook-settings.js';
import type { WebhookEventType } from '../shared/webhook-settings.js';
import { batchStatusFromHash } from '../store/batch-status.js';
import type { PauseReason } from '../store/batch-store.js';
import { turnRecordFromHash } from '../store/turn-records.js';

/**
 * Terminology:
 * - event: something that happened to a batch (or, opt-in, to one of its conversations), with
 *   an id that never changes: the `webhook-id` of every delivery of it.
 * - outbox entry: the event as the store script wrote it (src/store/lua-events.ts), holding a
 *   snapshot of the state it reports.
 * - delivery: the event's URL and final body; every attempt sends exactly this body.
 */

/** The body of every delivery: `{type, timestamp, data}` (Standard Webhooks' shape). */
export interface WebhookBody {
  type: WebhookEventType;
  /** When the event happened (ISO-8601, UTC). */
  timestamp: string;
  data: BatchEventData | ConversationFinishedData;
}

/** `data` of the batch events: the `status --json` object at that moment (+ why, for a pause). */
export type BatchEventData = BatchStatus & { reason?: PauseReason };

/** `data` of `conversation.finished`. */
export interface ConversationFinishedData {
  batchId: string;
  conversationId: string;
  /** completed, ended, failed, cancelled or expired. */
  state: ConversationState;
  /** The record of the turn the conversation stopped at (a `results` line). */
  finalTurn: TurnRecord | null;
}

/** What the webhook queue carries: everything a delivery attempt needs, nothing to look up. */
export interface WebhookDelivery {
  /** The event id: the `webhook-id` header and the job id. */
  id: string;
  type: WebhookEventType;
  batchId: string;
  url: string;
  /** The exact JSON text sent (and signed) on every attempt. */
  body: string;
  /** When the event happened, in ms. */
  at: number;
}

const stringMap = z.record(z.string(), z.string());

/** An outbox entry, as lua-events.ts writes it (checked: a bad entry must not stop the relay). */
export const outboxEntrySchema = z.object({
  id: z.string().regex(/^msg_[0-9a-f]+$/),
  type: z.enum([...BATCH_EVENT_TYPES, ...OPT_IN_EVENT_TYPES]),
  at: z.string().regex(/^\d+$/),
  url: z.string().min(1),
  bkey: z.string().min(1),
  // `reason` is the JSON text the script was given, kept as text.
  batch: stringMap.optional(),
  reason: z.string().optional(),
  cid: z.string().optional(),
  state: z.string().optional(),
  turn: z.number().int().min(1).optional(),
  fields: stringMap.optional(),
});
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;

/** An outbox entry that cannot be turned into a delivery (a bug, never user input). */
export class BadOutboxEntryError extends Error {
  override readonly name = 'BadOutboxEntryError';
}

/** Turns an outbox entry (its JSON text) into the delivery of that event. Pure. */
export function deliveryFromEntry(text: string, keys: Keys): WebhookDelivery {
  let entry: OutboxEntry;
  try {
    entry = outboxEntrySchema.parse(JSON.parse(text));
  } catch (error) {
    throw new BadOutboxEntryError(`unreadable outbox entry: ${(error as Error).message}`);
  }
  const batchId = batchIdOfKey(keys, entry.bkey);
  if (!batchId) throw new BadOutboxEntryError(`outbox entry ${entry.id} names no batch key`);
  const at = Number(entry.at);
  const body: WebhookBody = {
    type: entry.type,
    timestamp: new Date(at).toISOString(),
    data: eventData(entry, batchId, at),
  };
  return {
    id: entry.id,
    type: entry.type,
    batchId,
    url: entry.url,
    body: JSON.stringify(body),
    at,
  };
}

function eventData(
  entry: OutboxEntry,
  batchId: string,
  at: number,
): BatchEventData | ConversationFinishedData {
  if (entry.type === 'conversation.finished') {
    if (entry.cid === undefined || entry.turn === undefined)
      throw new BadOutboxEntryError(`outbox entry ${entry.id} has no conversation`);
    const fields = entry.fields ?? {};
    return {
      batchId,
      conversationId: entry.cid,
      state: entry.state as ConversationState,
      finalTurn: turnRecordFromHash(batchId, entry.cid, entry.turn, fields) ?? null,
    };
  }
  if (!entry.batch) throw new BadOutboxEntryError(`outbox entry ${entry.id} has no batch`);
  const status = batchStatusFromHash(batchId, entry.batch, at);
  return entry.reason ? { ...status, reason: JSON.parse(entry.reason) as PauseReason } : status;
}
