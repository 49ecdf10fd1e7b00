import { CHAT_LIMITS } from '../../../vendor/chats-api.js';
import { isIanaTimeZone } from '../../../shared/time-zones.js';
import { CONVERSATION_ID_MAX_LENGTH, recipientIdProblem } from '../../../shared/records.js';
import type { IngestRow } from '../../ingest.js';
import type { ApiIssue } from '../errors.js';
import type { SubmitJson } from '../schemas/batches.js';
import {
  reservedConversationIdProblem,
  shown,
  textProblem,
  variableErrors,
} from '../../field-rules.js';

type JsonConversation = SubmitJson['conversations'][number];

/**
 * The id of a conversation sent without one: its index in the request. Deterministic, so the
 * same body sent to the same batch again finds its conversations there already (duplicates)
 * and enqueues nothing twice.
 */
export function defaultConversationId(index: number): string {
  return `conv-${index}`;
}

const blankToUndefined = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

export function conversationIdOf(conversation: JsonConversation, index: number): string {
  return blankToUndefined(conversation.conversationId) ?? defaultConversationId(index);
}

/**
 * Conversation ids are keys: two conversations of one request with the same id would be merged
 * into one by the ingest (that is how CSV rows form conversations), and so would ids that differ
 * only in text Redis cannot store (lone surrogates, bytes that were not UTF-8, both stored as
 * U+FFFD). The request is refused as a whole instead.
 */
export function conversationIdIssues(body: SubmitJson): ApiIssue[] {
  const firstIndex = new Map<string, number>();
  const issues: ApiIssue[] = [];
  body.conversations.forEach((conversation, index) => {
    const id = conversationIdOf(conversation, index);
    const path = ['conversations', index, 'conversationId'];
    const problem = textProblem(id);
    if (problem !== undefined) {
      issues.push({ code: 'custom', path, message: problem });
      return;
    }
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else
      issues.push({
        code: 'custom',
        path,
        message: `${JSON.stringify(id)} is also the id of conversations[${first}]`,
      });
  });
  return issues;
}

/**
 * The rows of a JSON submission for `ingestRows`, the one ingest path of CSV and API: one row
 * per turn, `line` null and `index` the conversation's place in the request. The rules are the
 * CSV reader's (src/producer/csv/row-builder.ts: same limits, same time-zone check); every
 * problem of a conversation is reported on its first row, so the report has one entry per
 * rejected conversation, and the whole conversation is rejected.
 */
export function* jsonConversationRows(
  body: SubmitJson,
  batchAgentId: string | undefined,
): Generator<IngestRow> {
  for (let index = 0; index < body.conversations.length; index++) {
    const conversation = body.conversations[index]!;
    const conversationId = conversationIdOf(conversation, index);
    const agentId = blankToUndefined(conversation.agentId) ?? batchAgentId;
    const previousChatId = blankToUndefined(conversation.previousChatId);
    const timezone = blankToUndefined(conversation.timezone);
    const recipientId = blankToUndefined(conversation.recipientId);
    const inputs = conversation.turns.map((turn) => turn.trim());
    const errors = conversationErrors(conversation, conversationId, {
      agentId,
      previousChatId,
      timezone,
      recipientId,
      inputs,
    });
    // An empty script still needs a row to carry its rejection through the ingest.
    const rows = inputs.length > 0 ? inputs : [''];
    for (let turn = 0; turn < rows.length; turn++) {
      const first = turn === 0;
      yield {
        line: null,
        index,
        conversationId,
        agentId: first ? agentId : undefined,
        input: rows[turn]!,
        previousChatId: first ? previousChatId : undefined,
        timezone: first ? timezone : undefined,
        recipientId: first ? recipientId : undefined,
        variables: first ? (conversation.dynamicVariables ?? {}) : {},
        errors: first ? errors : [],
      };
    }
  }
}

/** Turn problems listed one by one per conversation before the rest are only counted. */
const MAX_LISTED_TURN_PROBLEMS = 10;

function conversationErrors(
  conversation: JsonConversation,
  conversationId: string,
  fields: {
    agentId: string | undefined;
    previousChatId: string | undefined;
    timezone: string | undefined;
    recipientId: string | undefined;
    inputs: string[];
  },
): string[] {
  const errors: string[] = [];
  const check = (value: string | undefined, max: number, field: string) => {
    if (value === undefined) return;
    const problem = textProblem(value);
    if (problem !== undefined) errors.push(`${field}: ${problem}`);
    else if (value.length > max) errors.push(`${field}: longer than ${max} characters`);
  };
  check(conversationId, CONVERSATION_ID_MAX_LENGTH, 'conversationId');
  if (blankToUndefined(conversation.conversationId) !== undefined) {
    const reserved = reservedConversationIdProblem(conversationId);
    if (reserved !== undefined) errors.push(`conversationId: ${reserved}`);
  }
  if (fields.agentId === undefined) errors.push('agentId: missing, and the batch has no agentId');
  check(fields.agentId, CHAT_LIMITS.agentIdMax, 'agentId');
  check(fields.previousChatId, CHAT_LIMITS.previousChatIdMax, 'previousChatId');
  if (fields.timezone !== undefined && !isIanaTimeZone(fields.timezone))
    errors.push(`timezone: ${shown(fields.timezone)} is not an IANA time zone`);
  const recipientProblem =
    fields.recipientId === undefined ? undefined : recipientIdProblem(fields.recipientId);
  if (recipientProblem) errors.push(`recipientId: ${recipientProblem}`);
  if (conversation.turns.length === 0) errors.push('turns: at least one turn is required');
  let turnProblems = 0;
  fields.inputs.forEach((input, turn) => {
    const listed = errors.length;
    if (input === '') errors.push(`turns[${turn}]: must not be empty`);
    else check(input, CHAT_LIMITS.inputMax, `turns[${turn}]`);
    if (errors.length > listed && ++turnProblems > MAX_LISTED_TURN_PROBLEMS) errors.pop();
  });
  // The problems past the listed ones were taken back as they came: the count goes last.
  if (turnProblems > MAX_LISTED_TURN_PROBLEMS)
    errors.push(`turns: ${turnProblems - MAX_LISTED_TURN_PROBLEMS} more turns with problems`);
  errors.push(...variableErrors(conversation.dynamicVariables ?? {}, 'dynamicVariables'));
  return errors;
}
