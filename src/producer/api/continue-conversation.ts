import type { TurnRecord } from '../../shared/records.js';
import type { AppendStore } from '../../store/append-store.js';
import type { BatchStore } from '../../store/batch-store.js';
import type { TurnQueue } from '../../shared/turn-queue.js';
import { ApiError, batchNotFound } from './errors.js';

const REFUSALS: Record<string, (conversationId: string, batchId: string) => string> = {
  cancelled: (c) => `conversation ${c} is cancelled; it cannot be continued`,
  ended: (c) =>
    `the agent ended the chat of conversation ${c}; it cannot be continued (submit a new conversation)`,
  failed: (c, b) =>
    `conversation ${c} failed; retry it first (POST /v1/batches/${b}/retry-failed), then continue it`,
  expired: (c) => `conversation ${c} expired; it cannot be continued`,
  'turn-limit': (c) =>
    `conversation ${c} has as many turns as CHATBATCH_MAX_TURNS allows; start a new conversation`,
};

export const conversationNotFound = (batchId: string, conversationId: string) =>
  new ApiError('conversation_not_found', `no conversation ${conversationId} in batch ${batchId}`);

/**
 * Appends a customer message to a conversation: the store adds it atomically as the next turn
 * (see lua-append.ts); a conversation that had completed is queued again at that turn, one still
 * running picks it up after its pending and in-flight turns. Returns the new turn's record.
 */
export async function continueConversation(
  deps: { appendStore: AppendStore; batchStore: BatchStore; turnQueue: TurnQueue },
  batchId: string,
  conversationId: string,
  turn: { input: string; variables?: Record<string, string> },
): Promise<TurnRecord> {
  const result = await deps.appendStore.appendTurn(batchId, conversationId, turn);
  switch (result.kind) {
    case 'no-batch':
      throw batchNotFound(batchId);
    case 'no-conversation':
      throw conversationNotFound(batchId, conversationId);
    case 'refused':
      if (result.reason === 'batch-cancelled')
        throw new ApiError('batch_cancelled', `batch ${batchId} is cancelled`);
      throw new ApiError(
        'conversation_closed',
        (REFUSALS[result.reason] ?? ((c: string) => `conversation ${c} is ${result.reason}`))(
          conversationId,
          batchId,
        ),
      );
  }
  if (result.queue) await deps.turnQueue.addNextTurn(batchId, conversationId, result.turn);
  const view = await deps.batchStore.conversation(batchId, conversationId);
  const record = view?.turns.find((t) => t.turn === result.turn);
  // Only a retention expiry between the two calls could lose it.
  if (!record) throw conversationNotFound(batchId, conversationId);
  return record;
}
