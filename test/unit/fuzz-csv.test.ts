import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CsvFileError,
  KNOWN_COLUMNS,
  readCsvRows,
  type CsvRow,
  type ReadCsvRowsOptions,
} from '../../src/producer/csv/index.js';

/** Reads a whole input, failing (instead of hanging) after `ms`. */
async function readAll(
  input: string | Uint8Array,
  options: ReadCsvRowsOptions = {},
  ms = 5000,
): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  const reading = (async () => {
    // Several chunks, so records also cross chunk boundaries.
    const bytes = Buffer.from(input);
    const cut = Math.floor(bytes.length / 3);
    const chunks = [bytes.subarray(0, cut), bytes.subarray(cut, 2 * cut), bytes.subarray(2 * cut)];
    for await (const row of readCsvRows(Readable.from(chunks), options)) rows.push(row);
    return rows;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`readCsvRows hung for ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([reading, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Either rows or a CsvFileError: anything else (a TypeError, a hang) is a bug. */
async function outcome(input: string | Uint8Array): Promise<CsvRow[] | CsvFileError> {
  try {
    return await readAll(input);
  } catch (error) {
    if (error instanceof CsvFileError) return error;
    throw error;
  }
}

/** What every row must look like, valid or not. */
function checkRowShape(rows: CsvRow[]): void {
  let lastLine = 1;
  for (const row of rows) {
    expect(row.line).toBeGreaterThan(lastLine);
    lastLine = row.line;
    expect(typeof row.conversationId).toBe('string');
    expect(row.conversationId.length).toBeGreaterThan(0);
    for (const error of row.errors) expect(error).toMatch(/^[^:]+: ./s);
    if (row.errors.length === 0) {
      expect(row.input.trim()).not.toBe('');
      // Rows of a file with conversation_id may inherit their conversation's agent.
      if (row.standalone) expect(row.agentId).toBeDefined();
    }
    expect(Object.getPrototypeOf(row.variables)).toBeNull();
  }
}

const lineBreaks = (text: string) => (text.match(/\r\n|\r|\n/g) ?? []).length;
const quote = (cell: string) => `"${cell.replaceAll('"', '""')}"`;

/** Cell text with everything that makes CSV hard: separators, quotes, line breaks, Unicode. */
const cellText = fc.string({
  unit: fc.constantFrom(
    'a',
    'B',
    '7',
    ' ',
    ',',
    '"',
    '\n',
    '\r',
    '\r\n',
    '\t',
    'é',
    '😀',
    '=',
    ';',
  ),
  maxLength: 12,
});
/** Variable names, among them the ones that break naive objects. */
const variableName = fc
  .oneof(
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'Name'),
    fc.string({
      unit: fc.constantFrom('x', 'Y', '_', '-', ' ', 'ü', '1'),
      minLength: 1,
      maxLength: 6,
    }),
  )
  .filter((name) => name.trim() !== '');

const validFile = fc.record({
  variables: fc.uniqueArray(variableName, {
    maxLength: 5,
    selector: (name) => name.trim().toLowerCase(),
  }),
  withConversationColumn: fc.boolean(),
  defaultAgent: fc.option(fc.constantFrom('agent-default', '  '), { nil: undefined }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  rows: fc.array(
    fc.record({
      input: cellText,
      agent: fc.constantFrom('a1', '', ' a2 '),
      conversation: fc.constantFrom('c1', 'c2', '', ' c3 '),
      values: fc.array(cellText, { minLength: 5, maxLength: 5 }),
      quoteAll: fc.boolean(),
    }),
    { maxLength: 15 },
  ),
});

describe('CSV reading, fuzzed', () => {
  it('random bytes end in rows or a CsvFileError, never a crash or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const result = await outcome(bytes);
        if (Array.isArray(result)) checkRowShape(result);
        else expect(result.message).toMatch(/line \d+: ./);
      }),
      { numRuns: 300 },
    );
  });

  it('broken quoting anywhere ends in rows with reasons or a CsvFileError', async () => {
    const text = fc.string({
      unit: fc.constantFrom('input', 'agent_id', 'a', ',', '"', '""', '\n', '\r\n', ' ', 'x"y'),
      maxLength: 40,
    });
    await fc.assert(
      fc.asyncProperty(text, async (body) => {
        const result = await outcome(`input,agent_id\n${body}`);
        if (Array.isArray(result)) checkRowShape(result);
        else expect(result).toBeInstanceOf(CsvFileError);
      }),
      { numRuns: 400 },
    );
  });

  it('any well-formed file reads back exactly: cells, trimming, lines, variables', async () => {
    await fc.assert(
      fc.asyncProperty(validFile, async (file) => {
        const names = file.variables.filter(
          (n) => !(KNOWN_COLUMNS as readonly string[]).includes(n.trim().toLowerCase()),
        );
        const header = [
          'input',
          'agent_id',
          ...(file.withConversationColumn ? ['conversation_id'] : []),
          ...names,
        ];
        const eol = file.crlf ? '\r\n' : '\n';
        let text = (file.bom ? '\uFEFF' : '') + header.map(quote).join(',') + eol;
        let line = 2;
        const expected: Partial<CsvRow>[] = [];
        for (const row of file.rows) {
          const cells = [
            row.input,
            row.agent,
            ...(file.withConversationColumn ? [row.conversation] : []),
            ...row.values.slice(0, names.length),
          ];
          const record = cells.map((c) => (row.quoteAll || /[",\r\n]/.test(c) ? quote(c) : c));
          text += record.join(',') + eol;
          const variables = Object.create(null) as Record<string, string>;
          names.forEach((name, i) => {
            const value = (row.values[i] ?? '').trim();
            if (value !== '') variables[name.trim()] = value;
          });
          const conversation = file.withConversationColumn ? row.conversation.trim() : '';
          const agent = row.agent.trim() || file.defaultAgent?.trim() || undefined;
          expected.push({
            line,
            input: row.input.trim(),
            agentId: agent,
            conversationId: conversation || `line-${line}`,
            variables,
          });
          line += 1 + cells.reduce((n, c) => n + lineBreaks(c), 0);
        }
        const rows = await readAll(text, { defaultAgentId: file.defaultAgent });
        checkRowShape(rows);
        expect(rows).toHaveLength(expected.length);
        rows.forEach((row, i) => {
          expect(row).toMatchObject(expected[i]!);
          expect(Object.keys(row.variables).sort()).toEqual(
            Object.keys(expected[i]!.variables!).sort(),
          );
          // A missing agent is a row error only where the row is its whole conversation.
          const valid = row.input !== '' && (row.agentId !== undefined || !row.standalone);
          expect(row.errors.length === 0).toBe(valid);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('CSV reading, hard cases', () => {
  it('an empty file, a lone BOM or blank lines only: a clear error', async () => {
    for (const text of ['', '\uFEFF', '\n\n\r\n']) {
      await expect(readAll(text)).rejects.toThrow(/empty, a header row is required/);
    }
  });

  it('a header and nothing else: no rows, no error', async () => {
    expect(await readAll('input,agent_id\n')).toEqual([]);
    expect(await readAll('input')).toEqual([]);
  });

  it('duplicate headers, also differing only in case or spaces, are refused', async () => {
    for (const header of [
      'input,input',
      'input,agent_id, Agent_ID ',
      'input,name,name',
      'input,x, x',
    ]) {
      await expect(readAll(`${header}\nhi,a,b,c\n`)).rejects.toThrow(/duplicate column/);
    }
  });

  it('__proto__, constructor and friends are plain variables; nothing is polluted', async () => {
    const rows = await readAll(
      'input,agent_id,__proto__,constructor,toString,prototype\nhi,a,"{""x"":1}",c,t,p\n',
    );
    expect(rows[0]!.errors).toEqual([]);
    const variables = rows[0]!.variables;
    expect(Object.keys(variables)).toEqual(['__proto__', 'constructor', 'toString', 'prototype']);
    expect(variables['__proto__']).toBe('{"x":1}');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect(Object.prototype.toString).toBe(Object.prototype.toString);
  });

  it('200 columns read, every variable kept; 201 are a file error', async () => {
    const names = Array.from({ length: 198 }, (_, i) => `v${i}`);
    const text = `input,agent_id,${names.join(',')}\nhi,a,${names.map((n, i) => (i < 100 ? `x${n}` : '')).join(',')}\n`;
    const rows = await readAll(text, {}, 20_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.errors).toEqual([]);
    expect(Object.keys(rows[0]!.variables)).toHaveLength(100);
    expect(rows[0]!.variables['v99']).toBe('xv99');
    await expect(readAll(`input,agent_id,${names.join(',')},one_more\nhi\n`)).rejects.toThrow(
      /more than 200 columns/,
    );
  });

  it('huge cells: an input or a value over its limit is a row error; a record past 16 MiB is a file error', async () => {
    const [tooLong] = await readAll(`input,agent_id\n${'x'.repeat(20_481)},a\n`);
    expect(tooLong!.errors).toEqual(['input: longer than 20480 characters']);
    const [big] = await readAll(
      `input,agent_id,notes\nhi,a,${'n'.repeat(2_000_000)}\n`,
      {},
      20_000,
    );
    expect(big!.errors).toEqual(['notes: longer than 4096 characters']);
    const runaway = `input,agent_id\n"${'q'.repeat(17 * 1024 * 1024)}`;
    await expect(readAll(runaway, {}, 30_000)).rejects.toThrow(/grows past 16 MiB/);
  });

  it('invalid UTF-8: a row error in a cell, a file error in the header', async () => {
    const bad = Buffer.from([0xc3, 0x28, 0xff]);
    const cell = Buffer.concat([Buffer.from('input,agent_id,name\nhi,a,'), bad, Buffer.from('\n')]);
    const [row] = await readAll(cell);
    expect(row!.errors).toEqual(['name: not valid UTF-8']);
    const inInput = Buffer.concat([Buffer.from('input,agent_id\n'), bad, Buffer.from(',a\n')]);
    expect((await readAll(inInput))[0]!.errors).toContain('input: not valid UTF-8');
    const header = Buffer.concat([Buffer.from('input,'), bad, Buffer.from('\nhi,x\n')]);
    await expect(readAll(header)).rejects.toThrow(/not valid UTF-8/);
  });
});
