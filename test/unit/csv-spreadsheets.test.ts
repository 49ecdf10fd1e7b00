import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CsvFileError,
  CsvReadNotes,
  delimiterFromName,
  detectDelimiter,
  readCsvRows,
  RESERVED_COLUMNS,
  type CsvRow,
  type ReadCsvRowsOptions,
} from '../../src/producer/csv/index.js';
import { editDistance, nearMissOf } from '../../src/producer/csv/near-miss.js';

/** What spreadsheet exports look like: other separators, near-miss headers, stray quotes. */
async function read(
  text: string,
  options: ReadCsvRowsOptions = {},
  chunks = 1,
): Promise<{ rows: CsvRow[]; notes: CsvReadNotes }> {
  const notes = new CsvReadNotes();
  const bytes = Buffer.from(text);
  const size = Math.ceil(bytes.length / chunks);
  const parts = Array.from({ length: chunks }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(Readable.from(parts), { notes, ...options })) rows.push(row);
  return { rows, notes };
}

describe('the cell separator', () => {
  it('is detected from the header line: semicolon, tab, pipe, comma', async () => {
    for (const [delimiter, text] of [
      [';', 'conversation_id;agent_id;input;name\nc1;a;Bonjour, ça va ?;Zoé\n'],
      ['\t', 'input\tagent_id\tcity\nhello, there\ta\tLyon\n'],
      ['|', 'input|agent_id\nhi; you|a\n'],
      [',', 'input,agent_id,note\nhi,a,"x;y;z|w"\n'],
    ] as const) {
      const { rows, notes } = await read(text);
      expect(notes.delimiter).toBe(delimiter);
      expect(notes.delimiterDetected).toBe(true);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.errors).toEqual([]);
      expect(rows[0]!.agentId).toBe('a');
    }
  });

  it('ignores separators inside quoted header names, and reads a header split across chunks', async () => {
    const { rows, notes } = await read('"input";agent_id;"a,b,c"\nhi;x;y\n', {}, 7);
    expect(notes.delimiter).toBe(';');
    expect(rows[0]).toMatchObject({ input: 'hi', agentId: 'x', variables: { 'a,b,c': 'y' } });
    expect(detectDelimiter('"a;b;c",input\n')).toBe(',');
  });

  it('is a comma for a one-column file or a tie, and a given one is used as is', async () => {
    expect(detectDelimiter('input\nhello;world\n')).toBe(',');
    expect(detectDelimiter('input;agent_id,x\n')).toBe(',');
    const { rows, notes } = await read('input,a;b;c\nhello;x,y;z\n', { delimiter: ',' });
    expect(notes).toMatchObject({ delimiter: ',', delimiterDetected: false });
    expect(rows[0]).toMatchObject({ input: 'hello;x', variables: { 'a;b;c': 'y;z' } });
  });

  it('takes names for awkward characters: \\t, tab, semicolon, pipe, comma', () => {
    expect(delimiterFromName('\\t')).toBe('\t');
    expect(delimiterFromName('tab')).toBe('\t');
    expect(delimiterFromName('TAB')).toBe('\t');
    expect(delimiterFromName('semicolon')).toBe(';');
    expect(delimiterFromName('pipe')).toBe('|');
    expect(delimiterFromName('comma')).toBe(',');
    expect(delimiterFromName(';')).toBe(';');
    expect(() => delimiterFromName('ab')).toThrow(/exactly one character.*tab/);
    expect(() => delimiterFromName('"')).toThrow(/quote/);
  });
});

describe('headers that nearly name a reserved column', () => {
  it('warn, naming the column meant, and the column stays a variable', async () => {
    const { rows, notes } = await read(
      'Conversaton_ID,Agent ID,recipient id,Input ,Time-Zone,agent,name\nc1,a1,r1,hi,Europe/Paris,x,y\n',
      { defaultAgentId: 'fallback' },
    );
    expect(notes.warnings).toEqual([
      'header column 1 "Conversaton_ID" is not the reserved column "conversation_id": it is sent to the agent as a dynamic variable. Rename it to "conversation_id" if that is what it means (--strict refuses the file until then)',
      'header column 2 "Agent ID" is not the reserved column "agent_id": it is sent to the agent as a dynamic variable. Rename it to "agent_id" if that is what it means (--strict refuses the file until then)',
      'header column 3 "recipient id" is not the reserved column "recipient_id": it is sent to the agent as a dynamic variable. Rename it to "recipient_id" if that is what it means (--strict refuses the file until then)',
      'header column 5 "Time-Zone" is not the reserved column "timezone": it is sent to the agent as a dynamic variable. Rename it to "timezone" if that is what it means (--strict refuses the file until then)',
    ]);
    // "Input " is the input column (names are trimmed); "agent" and "name" are plain variables.
    expect(rows[0]).toMatchObject({ input: 'hi', agentId: 'fallback', conversationId: 'line-2' });
    expect(Object.keys(rows[0]!.variables)).toEqual([
      'Conversaton_ID',
      'Agent ID',
      'recipient id',
      'Time-Zone',
      'agent',
      'name',
    ]);
  });

  it('are refused with --strict, naming the column meant', async () => {
    const error = await read('input,agentId\nhi,a\n', { strict: true, source: 'x.csv' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CsvFileError);
    expect((error as Error).message).toMatch(
      /^x\.csv, line 1: header column 2 "agentId" is not the reserved column "agent_id"/,
    );
  });

  it('are not flagged when the file has the reserved column anyway', async () => {
    const { notes } = await read('input,agent_id,agent_ids,timezone,time_zones\nhi,a,b,UTC,c\n');
    expect(notes.warnings).toEqual([]);
  });

  it('name the near miss when the input column is missing', async () => {
    const error = await read('agent_id,Inptu\na,hi\n', { source: 'x.csv' }).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toBe(
      'x.csv, line 1: the header has no "input" column (column 2 "Inptu" looks like it: rename it to "input")',
    );
  });

  it('allow one typo in short names and two in long ones', () => {
    expect(RESERVED_COLUMNS).toContain('recipient_id');
    expect(nearMissOf('Conversaton_ID', RESERVED_COLUMNS)).toBe('conversation_id');
    expect(nearMissOf('convesraton id', RESERVED_COLUMNS)).toBe('conversation_id');
    expect(nearMissOf('previous chat', RESERVED_COLUMNS)).toBe('previous_chat_id');
    expect(nearMissOf('chat', RESERVED_COLUMNS)).toBeUndefined();
    expect(nearMissOf('PreviousChatID', RESERVED_COLUMNS)).toBe('previous_chat_id');
    expect(nearMissOf('imput', RESERVED_COLUMNS)).toBe('input');
    expect(nearMissOf('inputs', RESERVED_COLUMNS)).toBe('input');
    expect(nearMissOf('output', RESERVED_COLUMNS)).toBeUndefined();
    expect(nearMissOf('agent', RESERVED_COLUMNS)).toBeUndefined();
    expect(nearMissOf('AGENT_ID', RESERVED_COLUMNS)).toBeUndefined(); // the column itself
    expect(editDistance('conversation', 'converstaion')).toBe(1);
    expect(editDistance('abc', 'xyz', 1)).toBe(2);
  });
});

describe('a quote left open', () => {
  it('that a stray quote later closes is flagged as a warning: the lines look like rows', async () => {
    const { rows, notes } = await read(
      'conversation_id,input,agent_id\nc1,"hello,a\nc2,world,a\nc3,again",a\nc4,fine,a\n',
    );
    // Valid CSV: c1's input took in two lines, and c4 reads normally.
    expect(rows.map((r) => [r.line, r.conversationId])).toEqual([
      [2, 'c1'],
      [5, 'c4'],
    ]);
    expect(notes.warnings).toEqual([
      'lines 2–4: one quoted cell (column 2) holds 2 lines that look like rows of their own; is a quote left open on line 2?',
    ]);
  });

  it('is not suspected in an ordinary multi-line message', async () => {
    const { notes } = await read(
      'conversation_id,input,agent_id\nc1,"Hello,\nI moved last week.\nPlease update my address, thanks",a\n',
    );
    expect(notes.warnings).toEqual([]);
  });

  it('keeps the first warnings and counts the rest', () => {
    const notes = new CsvReadNotes(2);
    for (let i = 0; i < 5; i++) notes.warn(`w${i}`);
    expect(notes.warnings).toEqual(['w0', 'w1', '… and 3 more warnings of these kinds']);
  });
});
