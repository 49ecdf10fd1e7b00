import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { recipientIdProblem } from '../shared/records.js';

/** A line of an import file that is not a recipient id, with where it is. */
export interface ImportProblem {
  line: number;
  message: string;
}

const HEADER = 'recipient_id';

/**
 * Reads a do-not-contact list: one recipient id per line, or a CSV whose header has a
 * `recipient_id` column (any delimiter of `,` `;` tab `|`; other columns are ignored). Blank
 * lines are skipped; a bad id is reported with its line and skipped, the rest are imported.
 */
export async function* readSuppressionFile(
  input: Readable,
  problems: ImportProblem[],
): AsyncGenerator<string> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const header = first.value.replace(/^\uFEFF/, '');
  const delimiter = [',', ';', '\t', '|'].find((d) =>
    header.split(d).some((cell) => cell.trim().replace(/^"|"$/g, '').toLowerCase() === HEADER),
  );
  if (delimiter === undefined) {
    // A plain list: every line is an id, the first one included.
    let line = 0;
    for await (const text of (async function* () {
      yield header;
      for (let next = await iterator.next(); !next.done; next = await iterator.next())
        yield next.value;
    })()) {
      line++;
      const id = text.trim();
      if (id === '') continue;
      const problem = recipientIdProblem(id);
      if (problem) problems.push({ line, message: `recipient_id: ${problem}` });
      else yield id;
    }
    return;
  }
  const rest = Readable.from(
    (async function* () {
      yield `${header}\n`;
      for (let next = await iterator.next(); !next.done; next = await iterator.next())
        yield `${next.value}\n`;
    })(),
  );
  const parser = rest.pipe(
    parse({
      delimiter,
      columns: (cells: string[]) => cells.map((c) => c.trim().toLowerCase()),
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    const id = (record[HEADER] ?? '').trim();
    if (id === '') continue;
    const problem = recipientIdProblem(id);
    if (problem) problems.push({ line: info.lines, message: `recipient_id: ${problem}` });
    else yield id;
  }
}
