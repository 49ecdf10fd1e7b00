import type { TurnRecord } from '../../src/shared/records.js';
import type { RequestLogEntry } from '../../src/simulator/index.js';

/** What the simulator saw, checked against what the store recorded. */
export interface ChainReport {
  violations: string[];
  /** Requests for a turn sent after that turn was recorded (must be 0). */
  resentAfterRecord: number;
  /** Chats created for a turn besides the recorded one (the lost-reply window). */
  duplicateChats: number;
}

const requestKey = (
  agentId: string | undefined,
  previousChatId: string | undefined,
  input: string | undefined,
) => `${agentId ?? ''}\u0000${previousChatId ?? ''}\u0000${input ?? ''}`;

/**
 * Checks, from the simulator's own request log: every turn k+1 carried turn k's chatId, each
 * recorded chatId was created by a request for that very turn, and no request for a turn came
 * after the request whose chat was recorded. Inputs must identify turns (unique per turn).
 */
export function checkChains(
  records: readonly TurnRecord[],
  log: readonly RequestLogEntry[],
): ChainReport {
  const violations: string[] = [];
  const byChatId = new Map<string, RequestLogEntry>();
  const requestsByTurn = new Map<string, RequestLogEntry[]>();
  for (const entry of log) {
    if (entry.chatId) byChatId.set(entry.chatId, entry);
    const key = requestKey(entry.agentId, entry.previousChatId, entry.input);
    const list = requestsByTurn.get(key) ?? [];
    list.push(entry);
    requestsByTurn.set(key, list);
  }
  const conversations = new Map<string, TurnRecord[]>();
  for (const record of records) {
    const list = conversations.get(record.conversationId) ?? [];
    list.push(record);
    conversations.set(record.conversationId, list);
  }
  let resentAfterRecord = 0;
  let duplicateChats = 0;
  for (const [conversationId, turns] of conversations) {
    turns.sort((a, b) => a.turn - b.turn);
    for (let i = 0; i < turns.length; i++) {
      const turn = turns[i]!;
      if (turn.status !== 'completed') continue;
      const previous = turns[i - 1];
      if (previous && turn.previousChatId !== previous.chatId) {
        violations.push(
          `${conversationId} turn ${turn.turn}: previousChatId ${turn.previousChatId} is not turn ${previous.turn}'s chatId ${previous.chatId}`,
        );
      }
      const creator = turn.chatId ? byChatId.get(turn.chatId) : undefined;
      if (!creator) {
        violations.push(
          `${conversationId} turn ${turn.turn}: chatId ${turn.chatId} was never created by the simulator`,
        );
        continue;
      }
      if (
        creator.input !== turn.input ||
        (creator.previousChatId ?? null) !== turn.previousChatId
      ) {
        violations.push(
          `${conversationId} turn ${turn.turn}: the request that created ${turn.chatId} was for another turn`,
        );
      }
      const requests =
        requestsByTurn.get(requestKey(creator.agentId, creator.previousChatId, creator.input)) ??
        [];
      for (const request of requests) {
        if (request.seq > creator.seq) {
          resentAfterRecord++;
          violations.push(
            `${conversationId} turn ${turn.turn}: sent again (request ${request.seq}) after the recorded chat ${turn.chatId}`,
          );
        } else if (request !== creator && request.chatId) {
          duplicateChats++;
        }
      }
    }
  }
  return { violations, resentAfterRecord, duplicateChats };
}
