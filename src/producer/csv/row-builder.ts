import { conversationIdForLine, type CsvRow } from './csv-row.js';
import type { HeaderLayout } from './header-layout.js';
import { CHAT_LIMITS } from '../../vendor/chats-api.js';
import { CONVERSATION_ID_MAX_LENGTH, recipientIdProblem } from '../../shared/records.js';
import type { BrokenRecord } from './locating-parser.js';
import { isIanaTimeZone } from '../../shared/time-zones.js';
import type { CsvReadNotes } from './read-notes.js';
import { splitLine, suspectedSwallowedRows } from './swallowed-rows.js';

/** Conversation ids named in one message about a quote left open; the rest are counted. */
const MAX_NAMED_CONVERSATIONS = 10;
import {
  reservedConversationIdProblem,
  shown,
  textProblem,
  tooManyVariables,
  VARIABLE_LIMITS,
  variableValueProblem,
} from '../field-rules.js';

/**
 * Turns the cells of one record into a `CsvRow`, checking each field on its own. Built once per
 * file from the header, so the per-row work is indexing and a few string checks.
 */
export class RowBuilder {
  constructor(
    private readonly layout: HeaderLayout,
    /** The `--agent-id` default, trimmed; undefined when not given or blank. */
    private readonly defaultAgentId: string | undefined,
    /** The file's cell separator (to read the lines a quote left open swallowed). */
    private readonly delimiter: string,
    /** Where warnings go (rows that look swallowed by a quoted cell). */
    private readonly notes: CsvReadNotes,
  ) {}

  build(cells: readonly string[], line: number): CsvRow {
    const errors: string[] = [];
    const { index } = this.layout;
    const suspect = suspectedSwallowedRows(cells, line, this.layout, this.delimiter);
    if (suspect !== undefined) this.notes.warn(suspect);

    const input = readCell(cells, index.input, 'input', errors);
    if (input === '') errors.push('input: must not be empty');
    else checkMaxLength(input, CHAT_LIMITS.inputMax, 'input', errors);

    const agentId = readCell(cells, index.agent_id, 'agent_id', errors) || this.defaultAgentId;
    if (agentId !== undefined) checkMaxLength(agentId, CHAT_LIMITS.agentIdMax, 'agent_id', errors);
    // A row that is a whole conversation needs an agent; in a file with conversation_id, a later
    // row inherits its conversation's agent, and staging checks the first row (only it knows).
    else if (index.conversation_id < 0) errors.push('agent_id: empty and no --agent-id given');

    const conversationCell = readCell(cells, index.conversation_id, 'conversation_id', errors);
    checkMaxLength(conversationCell, CONVERSATION_ID_MAX_LENGTH, 'conversation_id', errors);
    const reserved = reservedConversationIdProblem(conversationCell);
    if (reserved !== undefined) errors.push(`conversation_id: ${reserved}`);

    const previousChatId =
      readCell(cells, index.previous_chat_id, 'previous_chat_id', errors) || undefined;
    if (previousChatId !== undefined) {
      checkMaxLength(previousChatId, CHAT_LIMITS.previousChatIdMax, 'previous_chat_id', errors);
    }

    const recipientId = readCell(cells, index.recipient_id, 'recipient_id', errors) || undefined;
    const recipientProblem =
      recipientId === undefined ? undefined : recipientIdProblem(recipientId);
    if (recipientProblem) errors.push(`recipient_id: ${recipientProblem}`);

    const timezone = readCell(cells, index.timezone, 'timezone', errors) || undefined;
    if (timezone !== undefined && !isIanaTimeZone(timezone)) {
      errors.push(`timezone: ${shown(timezone)} is not an IANA time zone`);
    }

    return {
      line,
      conversationId: conversationCell || conversationIdForLine(line),
      explicitConversation: conversationCell !== '',
      standalone: index.conversation_id < 0,
      agentId,
      input,
      previousChatId,
      timezone,
      recipientId,
      variables: this.readVariables(cells, errors),
      errors,
    };
  }

  /**
   * The rows for a record csv-parse could not read: the record itself and, when a quote left
   * open swallowed the lines after it, one rejected row per swallowed line, so that their
   * conversations are rejected whole and reported rather than lost without a word.
   */
  brokenRows(record: BrokenRecord): CsvRow[] {
    const span = record.openQuote;
    if (span === undefined || span.lines.length === 0) return [this.broken(record)];
    const conversationIndex = this.layout.index.conversation_id;
    const swallowed = span.lines.map(({ line, text }): CsvRow => {
      const cell =
        conversationIndex >= 0
          ? (splitLine(text, this.delimiter)[conversationIndex] ?? '').trim()
          : '';
      return {
        ...this.broken({
          ...record,
          line,
          cells: undefined,
          leadingCells: undefined,
          openQuote: undefined,
        }),
        conversationId: cell || conversationIdForLine(line),
        explicitConversation: cell !== '',
        errors: [
          `csv: this line is inside the quoted cell opened on line ${span.openLine} ` +
            `(lines ${span.openLine}–${span.lastLine} were read as one cell), so it was not read`,
        ],
      };
    });
    const ids = [...new Set(swallowed.map((row) => row.conversationId))];
    const named = ids.slice(0, MAX_NAMED_CONVERSATIONS).join(', ');
    const more =
      ids.length > MAX_NAMED_CONVERSATIONS
        ? ` and ${ids.length - MAX_NAMED_CONVERSATIONS} more`
        : '';
    const opener = this.broken(record);
    opener.errors = [
      ...opener.errors,
      `csv: ${ids.length === 1 ? 'the conversation' : 'the conversations'} of ${lineRange(span.lines[0]!.line, span.lastLine)} ${ids.length === 1 ? 'is' : 'are'} inside it, so rejected too: ${named}${more}`,
    ];
    return [opener, ...swallowed];
  }

  /**
   * The row for a record csv-parse could not read. When its cells are known (wrong cell count),
   * the conversation id is taken from its usual place even though later cells may be shifted:
   * wrongly rejecting a neighbouring conversation is better than running this one without a turn.
   */
  broken(record: BrokenRecord): CsvRow {
    const { conversation_id: conversationIndex } = this.layout.index;
    const known = record.cells ?? record.leadingCells;
    const conversationCell =
      known !== undefined && conversationIndex >= 0 ? (known[conversationIndex] ?? '').trim() : '';
    return {
      line: record.line,
      conversationId: conversationCell || conversationIdForLine(record.line),
      explicitConversation: conversationCell !== '',
      standalone: conversationIndex < 0,
      agentId: undefined,
      input: '',
      previousChatId: undefined,
      timezone: undefined,
      variables: Object.create(null) as Record<string, string>,
      errors: record.problems,
    };
  }

  private readVariables(cells: readonly string[], errors: string[]): Record<string, string> {
    // No prototype: a column named `__proto__` becomes an own key instead of a prototype swap.
    const variables = Object.create(null) as Record<string, string>;
    const { variableIndexes, variableNames } = this.layout;
    let count = 0;
    for (let i = 0; i < variableIndexes.length; i++) {
      const value = (cells[variableIndexes[i] as number] ?? '').trim();
      if (value === '') continue;
      const name = variableNames[i] as string;
      // Names were checked once, with the header; a value's problem is named by its column.
      const problem = variableValueProblem(value);
      if (problem !== undefined) errors.push(`${name}: ${problem}`);
      variables[name] = value;
      count++;
    }
    if (count > VARIABLE_LIMITS.perRow) errors.push(tooManyVariables('variables', count));
    return variables;
  }
}

/** The trimmed cell at `index` ('' when the column is absent), flagging text that cannot be sent. */
function readCell(
  cells: readonly string[],
  index: number,
  field: string,
  errors: string[],
): string {
  if (index < 0) return '';
  const value = (cells[index] ?? '').trim();
  const problem = textProblem(value);
  if (problem !== undefined) errors.push(`${field}: ${problem}`);
  return value;
}

function lineRange(first: number, last: number): string {
  return first === last ? `line ${first}` : `lines ${first}–${last}`;
}

function checkMaxLength(value: string, max: number, field: string, errors: string[]): void {
  if (value.length > max) errors.push(`${field}: longer than ${max} characters`);
}
