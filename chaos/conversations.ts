/** The scripted conversations of a chaos run, and how to tell which turn a request was for. */
export interface PlannedTurn {
  conversationId: string;
  turn: number;
  input: string;
}

export interface ConversationPlan {
  /** The CSV ingested (interleaved: all first turns, then all second turns, …). */
  csv: string;
  conversations: number;
  turns: number;
  /** Turn of each input: inputs are unique, so a logged request names its turn. */
  byInput: Map<string, PlannedTurn>;
}

/** Agent id of every chaos conversation. */
export const CHAOS_AGENT = 'agent-chaos';

/**
 * Builds `conversations` conversations of 1..maxTurns turns each. Rows of one conversation
 * are not adjacent (the CSV lists turn 1 of all, then turn 2 of those that have one, …), as the
 * contract allows, and every row carries a dynamic variable so the request body is realistic.
 */
export function planConversations(
  conversations: number,
  maxTurns: number,
  random: () => number,
  tag: string,
): ConversationPlan {
  const lengths: number[] = [];
  for (let c = 0; c < conversations; c++) lengths.push(1 + Math.floor(random() * maxTurns));
  const lines = ['conversation_id,agent_id,input,customer_name'];
  const byInput = new Map<string, PlannedTurn>();
  let turns = 0;
  for (let turn = 1; turn <= maxTurns; turn++) {
    lengths.forEach((length, c) => {
      if (turn > length) return;
      const conversationId = `chat-conv-${c + 1}`;
      const input = `${tag} ${conversationId} turn ${turn}`;
      byInput.set(input, { conversationId, turn, input });
      lines.push(`${conversationId},${CHAOS_AGENT},${input},Customer ${c + 1}`);
      turns++;
    });
  }
  return { csv: `${lines.join('\n')}\n`, conversations, turns, byInput };
}
