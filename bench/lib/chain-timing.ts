import type { SimLog } from './sim.js';
import { summary } from './stats.js';

export interface ChainTiming {
  /** Turn k's answer sent → turn k+1's request arrived, in ms, one per follow-up turn. */
  gapsMs: ReturnType<typeof summary>;
  /** First request arrived → last answer sent, in ms, one per conversation. */
  conversationMs: ReturnType<typeof summary>;
  /** Conversations whose chain had the expected length. */
  complete: number;
}

/**
 * Rebuilds each conversation's chain from the simulator's log (a follow-up turn names the
 * previous chat) and measures, with the precise times sim-server.ts records, how long the
 * client took to send the next turn after an answer, and how long whole conversations took.
 */
export function chainTiming(log: SimLog, turns: number): ChainTiming {
  const gaps: number[] = [];
  const next = new Map<string, string>();
  const firsts: string[] = [];
  for (let i = 0; i < log.chatId.length; i++) {
    const chatId = log.chatId[i];
    const status = log.status[i];
    if (!chatId || (status !== 200 && status !== 201)) continue;
    const previous = log.previousChatId[i];
    if (!previous) {
      firsts.push(chatId);
      continue;
    }
    next.set(previous, chatId);
    const arrived = log.arrivedAt.get(chatId) ?? log.receivedAt[i]!;
    const answered = log.sentAt.get(previous);
    if (answered !== undefined) gaps.push(arrived - answered);
  }
  const conversations: number[] = [];
  let complete = 0;
  for (const first of firsts) {
    let last = first;
    let length = 1;
    for (let id = next.get(first); id !== undefined; id = next.get(id)) {
      last = id;
      length++;
    }
    if (length === turns) complete++;
    const start = log.arrivedAt.get(first);
    const end = log.sentAt.get(last);
    if (start !== undefined && end !== undefined) conversations.push(end - start);
  }
  return { gapsMs: summary(gaps), conversationMs: summary(conversations), complete };
}
