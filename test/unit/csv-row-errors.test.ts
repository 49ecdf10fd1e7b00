import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsvRows, type CsvRow, type ReadCsvRowsOptions } from '../../src/producer/csv/index.js';

async function readAll(text: string | Buffer, options: ReadCsvRowsOptions = {}): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(Readable.from([Buffer.from(text)]), options)) rows.push(row);
  return rows;
}

const linesAndErrors = (rows: CsvRow[]) => rows.map((r) => [r.line, r.errors]);

describe('readCsvRows: rows with problems', () => {
  it('reports each bad field with its line while good rows come through', async () => {
    const csv = [
      'input,agent_id,previous_chat_id,timezone,conversation_id',
      'fine,a,,Europe/Paris,',
      '   ,a,,,',
      'hi,,,,',
      `hi,${'x'.repeat(65)},,,`,
      `hi,a,${'p'.repeat(129)},,`,
      'hi,a,,Mars/Olympus,',
      `${'i'.repeat(20_481)},a,,,`,
      `hi,a,,,${'c'.repeat(257)}`,
      'also fine,a,chat-1,utc,c1',
    ].join('\n');
    const rows = await readAll(csv);
    expect(linesAndErrors(rows)).toEqual([
      [2, []],
      [3, ['input: must not be empty']],
      // In a file with conversation_id, an empty agent is the staging's to judge: a later row
      // inherits its conversation's agent (test/integration/ingest-atomic.test.ts).
      [4, []],
      [5, ['agent_id: longer than 64 characters']],
      [6, ['previous_chat_id: longer than 128 characters']],
      [7, ['timezone: "Mars/Olympus" is not an IANA time zone']],
      [8, ['input: longer than 20480 characters']],
      [9, ['conversation_id: longer than 256 characters']],
      [10, []],
    ]);
    expect(rows[8]).toMatchObject({
      previousChatId: 'chat-1',
      timezone: 'utc',
      conversationId: 'c1',
    });
  });

  it('accepts values exactly at the limits', async () => {
    const csv = `input,agent_id,previous_chat_id,conversation_id\n${'i'.repeat(20_480)},${'a'.repeat(64)},${'p'.repeat(128)},${'c'.repeat(256)}\n`;
    expect(linesAndErrors(await readAll(csv))).toEqual([[2, []]]);
  });

  it('lists every problem of a row', async () => {
    const rows = await readAll('input,agent_id,timezone\n,,Nowhere/Town\n');
    expect(rows[0]?.errors).toEqual([
      'input: must not be empty',
      'agent_id: empty and no --agent-id given',
      'timezone: "Nowhere/Town" is not an IANA time zone',
    ]);
  });

  it('refuses offsets as time zones', async () => {
    const rows = await readAll('input,agent_id,timezone\nhi,a,+05:00\n');
    expect(rows[0]?.errors).toEqual(['timezone: "+05:00" is not an IANA time zone']);
  });

  it('does not let a row with the wrong cell count sink its neighbours', async () => {
    const csv =
      'conversation_id,input,agent_id\nc1,one,a\nc1,two, with comma,a\nc1,three,a\nc2,four\nc3,five,a\n';
    const rows = await readAll(csv);
    expect(rows.map((r) => [r.line, r.conversationId, r.input, r.errors.length])).toEqual([
      [2, 'c1', 'one', 0],
      [3, 'c1', '', 1],
      [4, 'c1', 'three', 0],
      [5, 'c2', '', 1],
      [6, 'c3', 'five', 0],
    ]);
    expect(rows[1]?.errors).toEqual([
      'csv: 4 cells, but the header has 3 columns (is a comma inside a cell not quoted?)',
    ]);
    // The broken row keeps its conversation id, so its conversation can be rejected whole.
    expect(rows[1]?.explicitConversation).toBe(true);
  });

  it('reports a stray quote in an unquoted cell and reads on', async () => {
    const rows = await readAll('input,agent_id\nbefore,a\nsay 5" screen,a\nafter,a\n');
    expect(rows.map((r) => [r.line, r.input, r.errors])).toEqual([
      [2, 'before', []],
      [
        3,
        '',
        [
          'csv: a quote inside an unquoted cell (quote the whole cell and write each inner quote as "")',
        ],
      ],
      [4, 'after', []],
    ]);
    expect(rows[1]?.conversationId).toBe('line-3');
  });

  it('reports the start line of a broken record after a multi-line record and blank lines', async () => {
    const rows = await readAll('input,agent_id\n"multi\nline",a\n\n\nbad"x,a\nok,a\n');
    expect(rows.map((r) => [r.line, r.errors.length])).toEqual([
      [2, 0],
      [6, 1],
      [7, 0],
    ]);
  });

  it('reports an unclosed quote at the end of the file on the line it opens', async () => {
    const rows = await readAll('input,agent_id\nfine,a\n"never closed,a\n');
    expect(linesAndErrors(rows)).toEqual([
      [2, []],
      [3, ['csv: a quoted cell is not closed before the end of the file']],
    ]);
  });

  it('reports the span an unclosed quote swallowed and rejects the conversations inside it', async () => {
    const rows = await readAll(
      'conversation_id,input,agent_id\nc0,fine,a\nc1,"hello,a\nc2,world,a\n\nc3,again,a\nc0,more,a\n',
    );
    expect(rows.map((r) => [r.line, r.conversationId])).toEqual([
      [2, 'c0'],
      [3, 'c1'],
      [4, 'c2'],
      [6, 'c3'],
      [7, 'c0'],
    ]);
    expect(rows[1]?.errors).toEqual([
      'csv: a quote opened on line 3 runs to the end of the file, so lines 3–7 were read as one quoted cell',
      'csv: the conversations of lines 4–7 are inside it, so rejected too: c2, c3, c0',
    ]);
    for (const row of rows.slice(2)) {
      expect(row.errors).toEqual([
        'csv: this line is inside the quoted cell opened on line 3 (lines 3–7 were read as one cell), so it was not read',
      ]);
    }
  });

  it('names swallowed lines of a file without conversation_id by their line', async () => {
    const rows = await readAll('input,agent_id\r\n"open,a\r\nnext,a\r\n');
    expect(linesAndErrors(rows)).toEqual([
      [
        2,
        [
          'csv: a quote opened on line 2 runs to the end of the file, so lines 2–3 were read as one quoted cell',
          'csv: the conversation of line 3 is inside it, so rejected too: line-3',
        ],
      ],
      [
        3,
        [
          'csv: this line is inside the quoted cell opened on line 2 (lines 2–3 were read as one cell), so it was not read',
        ],
      ],
    ]);
    expect(rows[1]?.conversationId).toBe('line-3');
  });

  it('reports text after a closing quote (csv-parse then reads to the end as one cell)', async () => {
    const rows = await readAll('input,agent_id\nfine,a\n"x"y,a\nlast,a\n');
    expect(rows[0]?.errors).toEqual([]);
    expect(rows[1]).toMatchObject({
      line: 3,
      errors: [
        'csv: text after a closing quote (inside a quoted cell, write each quote as "")',
        'csv: a quote opened on line 3 runs to the end of the file, so lines 3–4 were read as one quoted cell',
        'csv: the conversation of line 4 is inside it, so rejected too: line-4',
      ],
    });
    expect(rows.slice(2).every((r) => r.errors.length > 0)).toBe(true);
  });

  it('flags cells that are not valid UTF-8, naming the field', async () => {
    const csv = Buffer.concat([
      Buffer.from('input,agent_id,city\n'),
      Buffer.from('caf'),
      Buffer.from([0xe9]), // Latin-1 "é": not UTF-8
      Buffer.from(',a,ok\nfine,a,'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\ngood,a,Zürich\n'),
    ]);
    const rows = await readAll(csv);
    expect(linesAndErrors(rows)).toEqual([
      [2, ['input: not valid UTF-8']],
      [3, ['city: not valid UTF-8']],
      [4, []],
    ]);
    expect(rows[2]?.variables).toEqual({ city: 'Zürich' });
  });

  it('decodes a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('input,agent_id\nZürich 😀,a\n');
    const chunks = Array.from(bytes, (byte) => Buffer.from([byte]));
    const rows: CsvRow[] = [];
    for await (const row of readCsvRows(Readable.from(chunks))) rows.push(row);
    expect(rows).toEqual([expect.objectContaining({ input: 'Zürich 😀', errors: [] })]);
  });

  it('reads a 1 MB cell (and reports it over the limits)', async () => {
    const huge = 'x'.repeat(1024 * 1024);
    const rows = await readAll(`input,agent_id,notes\n"${huge}",a,"${huge}"\nnext,a,\n`);
    expect(rows.map((r) => [r.line, r.errors])).toEqual([
      [2, ['input: longer than 20480 characters', 'notes: longer than 4096 characters']],
      [3, []],
    ]);
    expect(rows[0]?.variables['notes']).toHaveLength(1024 * 1024);
  });
});

describe('readCsvRows: broken records in a row', () => {
  it('never gives two records the same line (a fuzzed case)', async () => {
    const rows = await readAll('input,agent_id\n"x"y\r\nx"y\r\n"');
    const lines = rows.map((r) => r.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(new Set(lines).size).toBe(lines.length);
    expect(rows.every((r) => r.errors.length > 0)).toBe(true);
  });
});
