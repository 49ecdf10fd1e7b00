import type { TurnError, TurnRecord, TurnStatus } from '../shared/records.js';
import type { StoredResult } from './turn-store.js';
import { replyText } from '../shared/reply-text.js';

/**
 * Decodes turn k of a conversation hash into the docs/reference/contract.md results record. Shared by
 * `results`, the API and tests, so every reader sees the same record.
 */
export function turnRecordFromHash(
  batchId: string,
  conversationId: string,
  turn: number,
  hash: Record<string, string>,
): TurnRecord | undefined {
  const input = hash[`i${turn}`];
  if (input === undefined) return undefined;
  const stored = hash[`r${turn}`] ? (JSON.parse(hash[`r${turn}`]!) as StoredResult) : undefined;
  const status = (hash[`s${turn}`] ?? 'pending') as TurnStatus;
  const lastError = hash[`e${turn}`] ? (JSON.parse(hash[`e${turn}`]!) as TurnError) : null;
  const expectedPrevious = turn === 1 ? hash.p || null : (hash[`c${turn - 1}`] ?? null);
  const line = hash[`l${turn}`];
  return {
    batchId,
    conversationId,
    turn,
    // Rows of a JSON body have no line (stored empty).
    line: line ? Number(line) : null,
    agentId: hash.ag ?? '',
    input,
    status,
    chatId: hash[`c${turn}`] ?? null,
    previousChatId: stored ? stored.p : expectedPrevious,
    chatStatus: stored?.cs ?? null,
    response: stored?.rs ?? null,
    reply: replyText(stored?.rs ?? null),
    attempts: Number(hash[`a${turn}`] ?? 0),
    // A pending turn shows the error of its last attempt: that is why it is still waiting.
    error: stored?.e ?? lastError,
    completedAt: stored?.at ?? null,
  };
}

/** The conversation hash fields `turnRecordFromHash` reads for these turns. */
export function turnRecordFields(turns: readonly number[]): string[] {
  const fields = new Set<string>(['ag', 'p']);
  for (const k of turns) {
    for (const f of ['i', 'r', 's', 'e', 'l', 'c', 'a']) fields.add(`${f}${k}`);
    if (k > 1) fields.add(`c${k - 1}`);
  }
  return [...fields];
}

/** All turns of one conversation hash, in turn order. */
export function turnRecordsOfConversation(
  batchId: string,
  conversationId: string,
  hash: Record<string, string>,
): TurnRecord[] {
  const n = Number(hash.n ?? 0);
  const records: TurnRecord[] = [];
  for (let turn = 1; turn <= n; turn++) {
    const record = turnRecordFromHash(batchId, conversationId, turn, hash);
    if (record) records.push(record);
  }
  return records;
}
