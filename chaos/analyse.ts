import type { BatchStatus, TurnRecord } from '../src/shared/records.js';
import type { RequestLogEntry } from '../src/simulator/index.js';
import { checkChains } from '../test/helpers/chain-check.js';
import type { ConversationPlan } from './conversations.js';
import { classifyDuplicate, type DuplicateCause, type DuplicateChat } from './duplicates.js';
import type { KillEvent } from './fleet.js';
import { maxPerSecond } from './rate.js';
import type { RedisOutage } from './redis-server.js';

export interface ChaosEvidence {
  plan: ConversationPlan;
  /** Conversations ingest accepted. */
  accepted: number;
  status: BatchStatus;
  records: readonly TurnRecord[];
  log: readonly RequestLogEntry[];
  /** Latency the simulator chose per request seq, ms. */
  latencyBySeq: ReadonlyMap<number, number>;
  kills: readonly KillEvent[];
  outages: readonly RedisOutage[];
  rateLimit: number;
  rateTolerance: number;
}

export interface ChaosFindings {
  violations: string[];
  requests: number;
  /** Requests by answer: `200`, `429`, `lost`, … */
  answers: Record<string, number>;
  turns: Record<string, number>;
  conversations: Record<string, number>;
  duplicates: Record<DuplicateCause, number>;
  unexplained: DuplicateChat[];
  resentAfterRecord: number;
  maxPerSecond: number;
  maxPerSecondAt: number;
}

const MAX_LISTED = 20;

/** Checks everything the chaos run promises, from the simulator's log and the store alone. */
export function analyse(evidence: ChaosEvidence): ChaosFindings {
  const { plan, status, records, log } = evidence;
  const violations: string[] = [];
  const violate = (message: string) => {
    if (violations.length < MAX_LISTED * 5) violations.push(message);
  };

  // 1. Everything accepted finished; counters agree with the records.
  if (evidence.accepted !== plan.conversations)
    violate(`ingest accepted ${evidence.accepted} of ${plan.conversations} conversations`);
  const c = status.conversations;
  if (c.pending + c.active > 0) violate(`not finished: ${c.pending} pending, ${c.active} active`);
  if (c.total !== plan.conversations) violate(`status counts ${c.total} conversations`);
  if (records.length !== plan.turns)
    violate(`results have ${records.length} turns, ${plan.turns} were ingested`);
  const turns: Record<string, number> = {};
  for (const r of records) turns[r.status] = (turns[r.status] ?? 0) + 1;
  for (const state of ['completed', 'failed', 'skipped'] as const) {
    if ((turns[state] ?? 0) !== status.turns[state])
      violate(`${state} turns: results ${turns[state] ?? 0}, status ${status.turns[state]}`);
  }

  // 2. Each conversation: completed turns, then at most one failure or an `ended`, then skipped.
  const byConversation = new Map<string, TurnRecord[]>();
  const recordByInput = new Map<string, TurnRecord>();
  for (const r of records) {
    const list = byConversation.get(r.conversationId) ?? [];
    list.push(r);
    byConversation.set(r.conversationId, list);
    recordByInput.set(r.input, r);
  }
  const conversations: Record<string, number> = {};
  for (const [id, list] of byConversation) {
    list.sort((a, b) => a.turn - b.turn);
    const state = conversationState(list, (m) => violate(`${id}: ${m}`));
    conversations[state] = (conversations[state] ?? 0) + 1;
  }
  for (const state of ['completed', 'ended', 'failed'] as const) {
    if ((conversations[state] ?? 0) !== c[state])
      violate(`${state} conversations: results ${conversations[state] ?? 0}, status ${c[state]}`);
  }

  // 3. Every request: for a planned turn, with the right key, chained to the recorded chat.
  const answers: Record<string, number> = {};
  const requestsByInput = new Map<string, RequestLogEntry[]>();
  for (const entry of log) {
    const answer = String(entry.status);
    answers[answer] = (answers[answer] ?? 0) + 1;
    if (!entry.apiKeyOk) violate(`request ${entry.seq}: wrong X-API-Key`);
    const planned = entry.input === undefined ? undefined : plan.byInput.get(entry.input);
    if (!planned) {
      violate(`request ${entry.seq}: not for any planned turn (${entry.input})`);
      continue;
    }
    const list = requestsByInput.get(planned.input) ?? [];
    list.push(entry);
    requestsByInput.set(planned.input, list);
    const record = recordByInput.get(planned.input);
    if (record?.status === 'skipped') violate(`request ${entry.seq}: a skipped turn was sent`);
    const previous =
      planned.turn === 1
        ? undefined
        : byConversation.get(planned.conversationId)?.[planned.turn - 2]?.chatId;
    if (entry.previousChatId !== previous)
      violate(
        `request ${entry.seq} (${planned.input}): previousChatId ${entry.previousChatId} is not the recorded chat ${previous} of the turn before`,
      );
  }
  for (const [input, requests] of requestsByInput) {
    const record = recordByInput.get(input);
    if (record && requests.length > record.attempts)
      violate(`${input}: ${requests.length} requests but ${record.attempts} attempts counted`);
  }

  // 4. The simulator's own view of the chains, and no recorded turn sent again.
  const chain = checkChains(records, log);
  for (const v of chain.violations.slice(0, MAX_LISTED)) violate(v);

  // 5. Every chat besides a turn's recorded one has a documented cause.
  const duplicates: Record<DuplicateCause, number> = {
    lost: 0,
    'error-status': 0,
    killed: 0,
    'redis-outage': 0,
    unexplained: 0,
  };
  const unexplained: DuplicateChat[] = [];
  for (const [input, requests] of requestsByInput) {
    const recordedChat = recordByInput.get(input)?.chatId ?? null;
    for (const entry of requests) {
      if (!entry.chatId || entry.chatId === recordedChat) continue;
      const latency = evidence.latencyBySeq.get(entry.seq) ?? 0;
      const cause = classifyDuplicate(entry, latency, evidence.kills, evidence.outages);
      duplicates[cause]++;
      if (cause === 'unexplained') {
        unexplained.push({ seq: entry.seq, chatId: entry.chatId, input, cause });
        violate(
          `request ${entry.seq} (${input}): chat ${entry.chatId} duplicated, no kill, loss or outage explains it`,
        );
      }
    }
  }

  // 6. The rate limit held across all worker processes.
  const peak = maxPerSecond(log.map((e) => e.receivedAt));
  if (peak.max > evidence.rateLimit * evidence.rateTolerance)
    violate(
      `${peak.max} requests in one second (from ${new Date(peak.at).toISOString()}), limit ${evidence.rateLimit}`,
    );

  return {
    violations,
    requests: log.length,
    answers,
    turns,
    conversations,
    duplicates,
    unexplained,
    resentAfterRecord: chain.resentAfterRecord,
    maxPerSecond: peak.max,
    maxPerSecondAt: peak.at,
  };
}

/** The state a conversation's turn records add up to; reports any impossible sequence. */
function conversationState(list: TurnRecord[], violate: (message: string) => void): string {
  let state = 'completed';
  list.forEach((r, i) => {
    if (r.turn !== i + 1) violate(`turn ${i + 1} missing from the results`);
    if (state === 'completed') {
      if (r.status === 'completed') {
        if (!r.chatId) violate(`turn ${r.turn} completed without a chatId`);
        if (r.chatStatus === 'ended') state = 'ended';
        return;
      }
      if (r.status === 'failed') {
        if (!r.error?.code || !r.error.message) violate(`turn ${r.turn} failed without a reason`);
        state = 'failed';
        return;
      }
      violate(`turn ${r.turn} is ${r.status} after a completed turn`);
      state = 'broken';
      return;
    }
    if (r.status !== 'skipped')
      violate(`turn ${r.turn} is ${r.status} after the conversation ${state}`);
  });
  return state;
}
