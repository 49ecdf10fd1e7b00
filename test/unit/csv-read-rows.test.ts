import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsvRows, type CsvRow, type ReadCsvRowsOptions } from '../../src/producer/csv/index.js';

async function readAll(text: string | Buffer, options: ReadCsvRowsOptions = {}): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(Readable.from([Buffer.from(text)]), options)) rows.push(row);
  return rows;
}

describe('readCsvRows: reading', () => {
  it('reads LF files with trimmed fields and per-row conversations', async () => {
    const rows = await readAll('input,agent_id\n  Hello  ,  a1 \nBye,a2\n');
    expect(rows).toEqual([
      {
        line: 2,
        conversationId: 'line-2',
        explicitConversation: false,
        standalone: true,
        agentId: 'a1',
        input: 'Hello',
        previousChatId: undefined,
        timezone: undefined,
        variables: {},
        errors: [],
      },
      expect.objectContaining({ line: 3, conversationId: 'line-3', input: 'Bye', agentId: 'a2' }),
    ]);
  });

  it('reads CRLF files and a file without a final line break', async () => {
    const rows = await readAll('input,agent_id\r\nHello,a1\r\nBye,a2');
    expect(rows.map((r) => [r.line, r.input, r.agentId])).toEqual([
      [2, 'Hello', 'a1'],
      [3, 'Bye', 'a2'],
    ]);
  });

  it('skips a UTF-8 BOM before the header', async () => {
    const rows = await readAll(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('input,agent_id\nHi,a\n')]),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ input: 'Hi', agentId: 'a', errors: [] });
  });

  it('reads quoted commas, quotes and line breaks, and counts lines after them', async () => {
    const csv = [
      'input,agent_id',
      '"one, two",a',
      '"she said ""hi""",a',
      '"first line',
      'second line',
      'third line",a',
      'after,a',
    ].join('\n');
    const rows = await readAll(csv);
    expect(rows.map((r) => [r.line, r.input])).toEqual([
      [2, 'one, two'],
      [3, 'she said "hi"'],
      [4, 'first line\nsecond line\nthird line'],
      [7, 'after'],
    ]);
  });

  it('counts a CRLF inside quotes as one line', async () => {
    const rows = await readAll(
      'input,agent_id\r\n"a\r\nb\r\nc",x\r\nnext,x\r\n"d\re",x\r\nlast,x\r\n',
    );
    expect(rows.map((r) => [r.line, r.input])).toEqual([
      [2, 'a\r\nb\r\nc'],
      [5, 'next'],
      [6, 'd\re'],
      [8, 'last'],
    ]);
  });

  it('skips blank lines and keeps counting them', async () => {
    const rows = await readAll('\ninput,agent_id\n\nHi,a\n\n\n"x\ny",a\n\nBye,a\n\n');
    expect(rows.map((r) => [r.line, r.input])).toEqual([
      [4, 'Hi'],
      [7, 'x\ny'],
      [10, 'Bye'],
    ]);
  });

  it('gives the same lines whatever the chunk boundaries', async () => {
    const csv = 'input,agent_id\r\n"a\r\nb",x\r\n\r\nnext,x\n"c\nd\re",x\r\nbad,x"y"\r\nlast,x\r\n';
    const whole = await readAll(csv);
    const bytes = Buffer.from(csv);
    const oneByteChunks = Array.from(bytes, (byte) => Buffer.from([byte]));
    const rows: CsvRow[] = [];
    for await (const row of readCsvRows(Readable.from(oneByteChunks))) rows.push(row);
    expect(rows).toEqual(whole);
    expect(whole.map((r) => [r.line, r.input])).toEqual([
      [2, 'a\r\nb'],
      [5, 'next'],
      [6, 'c\nd\re'],
      [9, ''],
      [10, 'last'],
    ]);
    expect(whole[3]?.errors).toEqual([
      expect.stringMatching(/^csv: a quote inside an unquoted cell/),
    ]);
  });

  it('matches header names trimmed and in any case; variables keep their spelling', async () => {
    const rows = await readAll(
      ' INPUT , Agent_ID ,Conversation_Id,PREVIOUS_CHAT_ID , TimeZone, Customer Name \nHi,a,c1,chat-1,Europe/Paris, Ann \n',
    );
    expect(rows[0]).toMatchObject({
      input: 'Hi',
      agentId: 'a',
      conversationId: 'c1',
      explicitConversation: true,
      standalone: false,
      previousChatId: 'chat-1',
      timezone: 'Europe/Paris',
      variables: { 'Customer Name': 'Ann' },
      errors: [],
    });
  });

  it('keeps conversation ids of interleaved rows, in file order', async () => {
    const rows = await readAll(
      'conversation_id,input,agent_id\nA,a1,x\nB,b1,x\nA,a2,x\n,solo,x\nB,b2,x\n',
    );
    expect(rows.map((r) => [r.conversationId, r.explicitConversation, r.input])).toEqual([
      ['A', true, 'a1'],
      ['B', true, 'b1'],
      ['A', true, 'a2'],
      ['line-5', false, 'solo'],
      ['B', true, 'b2'],
    ]);
  });

  it('reads dynamic variables and leaves empty cells out', async () => {
    const rows = await readAll(
      'input,agent_id,customer_name,order,Order\nHi,a,Michael,,  \nHo,a,,42,x\n',
    );
    expect(rows.map((r) => ({ ...r.variables }))).toEqual([
      { customer_name: 'Michael' },
      { order: '42', Order: 'x' },
    ]);
  });

  it('turns __proto__ and constructor headers into plain keys', async () => {
    const rows = await readAll(
      'input,agent_id,__proto__,constructor,toString\nHi,a,"{""polluted"":1}",ctor,ts\n',
    );
    const variables = rows[0]?.variables ?? {};
    expect(Object.keys(variables)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(variables, '__proto__')?.value).toBe('{"polluted":1}');
    expect(variables['constructor']).toBe('ctor');
    expect(JSON.parse(JSON.stringify(variables))).toHaveProperty(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(variables)).toBeNull();
  });

  it('splits cells on another delimiter', async () => {
    const rows = await readAll('input;agent_id;city\n"Hi; there";a;Paris\n', { delimiter: ';' });
    expect(rows[0]).toMatchObject({
      input: 'Hi; there',
      agentId: 'a',
      variables: { city: 'Paris' },
    });
  });

  it('rejects a delimiter that cannot work', async () => {
    await expect(readAll('input\nHi\n', { delimiter: '"' })).rejects.toThrow(RangeError);
    await expect(readAll('input\nHi\n', { delimiter: ';;' })).rejects.toThrow(
      'delimiter: must be exactly one character',
    );
  });

  it('fills empty or absent agent_id from --agent-id', async () => {
    const withColumn = await readAll('input,agent_id\nHi,\nHo,own\n', { defaultAgentId: 'dflt' });
    expect(withColumn.map((r) => [r.agentId, r.errors])).toEqual([
      ['dflt', []],
      ['own', []],
    ]);
    const withoutColumn = await readAll('input\nHi\n', { defaultAgentId: ' dflt ' });
    expect(withoutColumn[0]).toMatchObject({ agentId: 'dflt', errors: [] });
  });

  it('yields nothing for a header-only file', async () => {
    expect(await readAll('input,agent_id\n')).toEqual([]);
    expect(await readAll('input,agent_id')).toEqual([]);
  });

  it('passes the input stream errors through', async () => {
    const failing = new Readable({
      read() {
        this.destroy(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }));
      },
    });
    const rows = readCsvRows(failing);
    await expect(rows.next()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
