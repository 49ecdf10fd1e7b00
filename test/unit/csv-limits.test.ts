import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvFileError, readCsvRows, type CsvRow } from '../../src/producer/csv/index.js';
import {
  LocatingCsvParser,
  type BrokenRecord,
  type ParsedRecord,
} from '../../src/producer/csv/locating-parser.js';

async function readAll(text: string | Buffer): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  const chunks = typeof text === 'string' ? [Buffer.from(text)] : [text];
  for await (const row of readCsvRows(Readable.from(chunks), {
    source: 'big.csv',
    defaultAgentId: 'ag',
  }))
    rows.push(row);
  return rows;
}

async function fileError(text: string): Promise<CsvFileError> {
  const error: unknown = await readAll(text).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof CsvFileError))
    throw new Error(`expected a CsvFileError, got ${String(error)}`);
  return error;
}

const names = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `v${i + from}`).join(',');

describe('readCsvRows: the limits of a row (columns, variables)', () => {
  it('a header of more than 200 columns is refused, naming line 1', async () => {
    expect(await readAll(`input,${names(199)}\nhi${',x'.repeat(199)}\n`)).toHaveLength(1);
    const error = await fileError(`input,${names(200)}\nhi\n`);
    expect(error.line).toBe(1);
    expect(error.reason).toBe('the header has more than 200 columns');
  });

  it('a variable name longer than 128 characters is refused, naming its column', async () => {
    expect(await readAll(`input,${'n'.repeat(128)}\nhi,x\n`)).toHaveLength(1);
    const error = await fileError(`input,ok,${'n'.repeat(129)}\nhi,x,y\n`);
    expect(error.reason).toBe(
      `header column 3: the name ${JSON.stringify(`${'n'.repeat(64)}…`)} is longer than 128 characters`,
    );
  });

  it('a value longer than 4,096 characters, or more than 100 variables in a row, rejects the row', async () => {
    const header = `input,${names(150)}`;
    const full = (count: number) =>
      `hi,${Array.from({ length: 150 }, (_, i) => (i < count ? 'x' : '')).join(',')}`;
    const rows = await readAll(
      [
        header,
        full(100),
        full(101),
        `hi,${'y'.repeat(4096)}${','.repeat(149)}`,
        `hi,${'y'.repeat(4097)}${','.repeat(149)}`,
      ].join('\n'),
    );
    expect(rows.map((row) => [row.line, row.errors])).toEqual([
      [2, []],
      [3, ['variables: 101 variables, more than 100']],
      [4, []],
      [5, ['v0: longer than 4096 characters']],
    ]);
  });

  it('a row of a million cells is one row error with the true count, not a million-cell array', async () => {
    const huge = `hi${',x'.repeat(1_000_000)}`;
    const rows = await readAll(`input,name\n${huge}\nnext,x\n`);
    expect(rows.map((row) => [row.line, row.errors])).toEqual([
      [
        2,
        ['csv: 1000001 cells, but the header has 2 columns (is a comma inside a cell not quoted?)'],
      ],
      [3, []],
    ]);
  });

  it('the parser keeps at most one cell past the header of such a row', async () => {
    const parser = new LocatingCsvParser('big.csv', undefined);
    const records: ParsedRecord[] = [];
    parser.end(`input,name\nhi${',x'.repeat(1_000_000)}\nnext,x\n`);
    for await (const record of parser as AsyncIterable<ParsedRecord>) records.push(record);
    const broken = records.find((record): record is BrokenRecord => !Array.isArray(record));
    expect(broken?.cells?.length).toBe(3);
    expect(broken?.problems[0]).toMatch(/^csv: 1000001 cells/);
  });
});
