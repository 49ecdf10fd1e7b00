import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvFileError, readCsvRows, type CsvRow } from '../../src/producer/csv/index.js';

async function readAll(text: string | Buffer): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  const input = Readable.from([Buffer.from(text)]);
  for await (const row of readCsvRows(input, { source: 'calls.csv' })) rows.push(row);
  return rows;
}

async function fileError(text: string | Buffer): Promise<CsvFileError> {
  const error: unknown = await readAll(text).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof CsvFileError))
    throw new Error(`expected a CsvFileError, got ${String(error)}`);
  return error;
}

describe('readCsvRows: file-level errors', () => {
  it('refuses an empty file', async () => {
    for (const empty of ['', '\n\n', '\uFEFF']) {
      const error = await fileError(empty);
      expect(error).toMatchObject({ source: 'calls.csv', line: 1 });
      expect(error.message).toBe('calls.csv, line 1: file is empty, a header row is required');
    }
  });

  it('refuses a header without an input column', async () => {
    const error = await fileError('agent_id,name\na,b\n');
    expect(error.message).toBe('calls.csv, line 1: the header has no "input" column');
  });

  it('refuses duplicate known columns, whatever their case and spacing', async () => {
    const error = await fileError('input,agent_id, Agent_Id \nhi,a,b\n');
    expect(error.message).toBe('calls.csv, line 1: duplicate column "agent_id" (columns 2 and 3)');
  });

  it('refuses duplicate variable names but keeps names differing in case apart', async () => {
    const error = await fileError('input,name,city, name\nhi,a,b,c\n');
    expect(error.message).toBe('calls.csv, line 1: duplicate column "name" (columns 2 and 4)');
    const rows = await readAll('input,agent_id,name,Name\nhi,a,x,y\n');
    expect(rows[0]?.variables).toEqual({ name: 'x', Name: 'y' });
  });

  it('refuses an empty header cell', async () => {
    const error = await fileError('input,,agent_id\nhi,x,a\n');
    expect(error.message).toBe(
      'calls.csv, line 1: header column 2 is empty; every column needs a name',
    );
    await expect(fileError('input,agent_id,  \nhi,a,\n')).resolves.toMatchObject({ line: 1 });
  });

  it('refuses a header that is not valid CSV', async () => {
    const error = await fileError('input,"agent\n');
    expect(error.message).toMatch(
      /^calls\.csv, line 1: the header row is not valid CSV: csv: a quoted cell/,
    );
  });

  it('refuses a header that is not valid UTF-8', async () => {
    const header = Buffer.concat([
      Buffer.from('input,caf'),
      Buffer.from([0xe9]),
      Buffer.from('\nhi,x\n'),
    ]);
    const error = await fileError(header);
    expect(error.message).toBe('calls.csv, line 1: header column 2 is not valid UTF-8');
  });

  it('names the line of a header after blank lines', async () => {
    const error = await fileError('\n\nagent_id\na\n');
    expect(error.line).toBe(3);
  });
});
