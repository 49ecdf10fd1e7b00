import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';

/** One conversation of a batch as a list shows it. */
export interface ConversationSummary {
  conversationId: string;
  /** Conversation state: pending, active, completed, ended, failed, cancelled, expired or suppressed. */
  status: string;
  /** Turns the conversation has (appended turns included). */
  turns: number;
}

export interface ConversationPage {
  conversations: ConversationSummary[];
  /** Where the next page starts in the batch's input order; null after the last page. */
  nextOffset: number | null;
}

export interface ConversationPageOptions {
  /**
   * Most input-order entries one page may read, whatever `limit` is. The order holds one entry
   * per turn, so a page of conversations with many turns each skips their later turns; past this
   * budget the page ends early (with a `nextOffset`). Default 10 × limit, at least 1,000.
   */
  scanBudget?: number;
}

const SEPARATOR = '\u001f';
const FIRST_TURN_SUFFIX = `${SEPARATOR}1`;

/**
 * A page of a batch's conversations in input order (the order of `results`): a conversation
 * appears where its first turn is. `offset` is a position in the batch's input order (0 for the
 * first page, then the `nextOffset` of the page before), not a count of conversations, so a page
 * never walks the entries before it. Bounded: it reads at most the scan budget of order entries,
 * in chunks, and one small hash read per conversation it returns.
 *
 * The input order is a sorted set of `conversationId \u001f turn` ranked by input position (see
 * keys.ts); this function is the one place that pages through it for conversations.
 */
export async function readConversationPage(
  deps: { redis: Redis; keys: Keys },
  batchId: string,
  offset: number,
  limit: number,
  options: ConversationPageOptions = {},
): Promise<ConversationPage> {
  const { redis, keys } = deps;
  const budget = options.scanBudget ?? Math.max(limit * 10, 1000);
  const chunk = Math.min(Math.max(limit, 100), budget);
  const ids: string[] = [];
  let position = offset;
  let atEnd = false;
  while (ids.length < limit && position - offset < budget) {
    const size = Math.min(chunk, offset + budget - position);
    const entries = await redis.zrange(keys.order(batchId), position, position + size - 1);
    let used = 0;
    for (const entry of entries) {
      used += 1;
      if (entry.endsWith(FIRST_TURN_SUFFIX)) {
        ids.push(entry.slice(0, -FIRST_TURN_SUFFIX.length));
        if (ids.length === limit) break;
      }
    }
    position += used;
    if (entries.length < size && used === entries.length) {
      atEnd = true;
      break;
    }
  }
  if (!atEnd && (await redis.zcard(keys.order(batchId))) <= position) atEnd = true;

  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(keys.conversation(batchId, id), 's', 'n');
  const replies = ids.length > 0 ? ((await pipeline.exec()) ?? []) : [];
  const conversations: ConversationSummary[] = [];
  ids.forEach((conversationId, i) => {
    const [status, turns] = (replies[i]?.[1] ?? []) as (string | null)[];
    // Gone (past its retention) or not yet committed by an ingest still running: left out.
    if (status) conversations.push({ conversationId, status, turns: Number(turns ?? 0) });
  });
  return { conversations, nextOffset: atEnd ? null : position };
}
