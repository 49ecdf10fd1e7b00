import type { Command } from 'commander';
import type { TurnRecord } from '../shared/records.js';
import type { ConversationView } from '../store/batch-store.js';
import { configFrom, openProducer } from './context.js';
import { CliError } from './exit-codes.js';
import { plural } from './status-format.js';

/** Text of several lines, each after the first indented to sit under the first. */
function indented(text: string, indent: string): string {
  return text.split(/\r\n|\r|\n/).join(`\n${indent}`);
}

function formatTurn(turn: TurnRecord): string[] {
  const head = [
    `  turn ${turn.turn}: ${turn.status}`,
    turn.chatId ? `chat ${turn.chatId}` : undefined,
    turn.previousChatId ? `after ${turn.previousChatId}` : undefined,
    plural(turn.attempts, 'attempt'),
  ]
    .filter(Boolean)
    .join(', ');
  const lines = [head, `    customer: ${indented(turn.input, '              ')}`];
  if (turn.reply !== null) lines.push(`    agent:    ${indented(turn.reply, '              ')}`);
  if (turn.error) {
    const status = turn.error.httpStatus === null ? '' : ` (HTTP ${turn.error.httpStatus})`;
    lines.push(`    error:    ${turn.error.code}${status}: ${turn.error.message}`);
  }
  return lines;
}

/** One conversation's chain as a person reads it: each turn, its input, the reply, the chat ids. */
export function formatConversation(view: ConversationView): string {
  return [
    `conversation ${view.conversationId} of batch ${view.batchId}: ${view.status}, ` +
      `agent ${view.agentId || '-'}, ${plural(view.turns.length, 'turn')}`,
    ...view.turns.flatMap(formatTurn),
  ].join('\n');
}

export function registerConversation(program: Command): void {
  program
    .command('conversation')
    .description("one conversation's chain: turns, inputs, replies, chat ids, status")
    .argument('<batch>', 'batch id')
    .argument('<id>', 'conversation id (as in results, e.g. c1 or line-4)')
    .option('--json', 'print {batchId, conversationId, agentId, status, turns} as the API does')
    .action(async (batchId: string, conversationId: string, flags: { json?: boolean }) => {
      const context = await openProducer(configFrom());
      try {
        if (!(await context.batchStore.status(batchId)))
          throw new CliError(`no such batch: ${batchId}`);
        const view = await context.batchStore.conversation(batchId, conversationId);
        if (!view)
          throw new CliError(`no such conversation in batch ${batchId}: ${conversationId}`);
        process.stdout.write(
          flags.json ? `${JSON.stringify(view)}\n` : `${formatConversation(view)}\n`,
        );
      } finally {
        await context.close();
      }
    });
}
