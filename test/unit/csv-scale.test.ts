import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsvRows, type CsvRow } from '../../src/producer/csv/index.js';

/** A CSV produced in 64 KB chunks, never held whole. */
function generatedCsv(header: string, rowCount: number, row: (i: number) => string): Readable {
  function* chunks(): Generator<Buffer> {
    yield Buffer.from(`${header}\n`);
    let chunk = '';
    for (let i = 0; i < rowCount; i++) {
      chunk += `${row(i)}\n`;
      if (chunk.length >= 65_536) {
        yield Buffer.from(chunk);
        chunk = '';
      }
    }
    yield Buffer.from(chunk);
  }
  return Readable.from(chunks());
}

describe('readCsvRows: size', () => {
  it('streams 200,000 rows', async () => {
    const rowCount = 200_000;
    const input = generatedCsv(
      'input,agent_id,conversation_id,customer_name',
      rowCount,
      (i) => `"Hello, message ${i}",agent-1,c-${i % 1000},Name ${i}`,
    );
    let count = 0;
    let invalid = 0;
    let last: CsvRow | undefined;
    for await (const row of readCsvRows(input)) {
      count++;
      if (row.errors.length > 0) invalid++;
      last = row;
    }
    expect(count).toBe(rowCount);
    expect(invalid).toBe(0);
    expect(last).toMatchObject({
      line: rowCount + 1,
      conversationId: `c-${(rowCount - 1) % 1000}`,
      input: `Hello, message ${rowCount - 1}`,
      variables: { customer_name: `Name ${rowCount - 1}` },
    });
  });

  it('reads a 200-column header, the most a file may have', async () => {
    const names = Array.from({ length: 198 }, (_, i) => `var_${i}`);
    const header = ['input', 'agent_id', ...names].join(',');
    const cells = ['hi', 'a', ...names.map((_, i) => (i % 2 === 0 ? `v${i}` : ''))].join(',');
    const rows: CsvRow[] = [];
    for await (const row of readCsvRows(
      Readable.from([Buffer.from(`${header}\n${cells}\n${cells}\n`)]),
    )) {
      rows.push(row);
    }
    expect(rows).toHaveLength(2);
    expect(rows[1]?.errors).toEqual([]);
    expect(Object.keys(rows[1]?.variables ?? {})).toHaveLength(99);
    expect(rows[1]?.variables['var_196']).toBe('v196');
  });

  it('stops on a runaway quote instead of buffering the file', async () => {
    const input = generatedCsv('input,agent_id', 600_000, (i) =>
      i === 0 ? '"opened,a' : `row ${i} ${'x'.repeat(20)},a`,
    );
    const reading = (async () => {
      for await (const row of readCsvRows(input, { source: 'big.csv' })) void row;
    })();
    await expect(reading).rejects.toThrow(
      /^big\.csv, line \d+: a record grows past 16 MiB; is a quote left open\?$/,
    );
  });
});
