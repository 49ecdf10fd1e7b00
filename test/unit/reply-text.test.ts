import { describe, expect, it } from 'vitest';
import { neutraliseFormula, resultLines } from '../../src/producer/results-export.js';
import { replyText } from '../../src/shared/reply-text.js';
import type { TurnRecord } from '../../src/shared/records.js';

describe('the reply column', () => {
  it("joins the assistant messages' content with line breaks, in order", () => {
    expect(
      replyText([
        {
          id: 'i1',
          role: 'assistant',
          type: 'message',
          content: ['Hello Michael!', 'How can I help?'],
        },
        { id: 'i2', role: 'tool', type: 'message', content: ['{"lookup":1}'] },
        { id: 'i3', role: 'assistant', type: 'function_call', content: ['lookup()'] },
        { id: 'i4', role: 'assistant', content: 'Your order ships today.' },
        { id: 'i5', content: [{ type: 'text', text: 'Anything else?' }, 42, null] },
      ]),
    ).toBe('Hello Michael!\nHow can I help?\nYour order ships today.\nAnything else?');
  });

  it('is null without a response and empty when the response holds no text', () => {
    expect(replyText(null)).toBeNull();
    expect(replyText([])).toBe('');
    expect(replyText([{ role: 'assistant', type: 'message', content: [] }, 'stray', null])).toBe(
      '',
    );
  });
});

describe('CSV results for spreadsheets', () => {
  const record: TurnRecord = {
    batchId: 'b',
    conversationId: 'c1',
    turn: 1,
    line: 2,
    agentId: 'ag',
    input: '=SUM(A1)',
    status: 'completed',
    chatId: 'chat-1',
    previousChatId: null,
    chatStatus: 'in-progress',
    response: [{ role: 'assistant', type: 'message', content: ['Hi; there', '-1 left'] }],
    reply: 'Hi; there\n-1 left',
    attempts: 1,
    error: null,
    completedAt: '2026-11-28T12:00:00.000Z',
  };
  async function text(lines: AsyncIterable<string>): Promise<string> {
    let out = '';
    for await (const chunk of lines) out += chunk;
    return out;
  }
  async function* one() {
    yield record;
  }

  it('writes the reply next to the raw response, with the separator and BOM asked for', async () => {
    const csv = await text(resultLines(one(), 'csv', { delimiter: ';', bom: true }));
    expect(csv.startsWith('\uFEFFbatchId;conversationId;')).toBe(true);
    expect(csv).toContain(';response;reply;attempts;');
    // The reply cell holds the separator and a line break: quoted; a formula is neutralised.
    expect(csv).toContain(`;"Hi; there\n-1 left";1;`);
    expect(csv).toContain(`;${neutraliseFormula('=SUM(A1)')};`);
  });

  it('writes JSONL with the reply after the response, and a plain comma CSV by default', async () => {
    const jsonl = JSON.parse(await text(resultLines(one(), 'jsonl')));
    expect(Object.keys(jsonl).slice(10, 13)).toEqual(['response', 'reply', 'attempts']);
    const csv = await text(resultLines(one(), 'csv'));
    expect(csv.startsWith('batchId,conversationId,')).toBe(true);
  });
});
