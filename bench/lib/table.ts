import type { Metric, ScenarioResult } from './scenario.js';

function num(value: number | null, unit = ''): string {
  if (value === null || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit}`;
}

function verdict(m: Metric): string {
  return m.met === null ? '' : m.met ? 'met' : 'MISSED';
}

const HEADER = ['scenario', 'metric', 'chatbatch', 'baseline', 'ratio', 'target', 'result'];

function rows(results: readonly ScenarioResult[]): string[][] {
  const out: string[][] = [];
  for (const r of results) {
    if (r.error) {
      out.push([
        r.title,
        `ERROR: ${r.error.split('\n')[0]!.slice(0, 100)}`,
        '',
        '',
        '',
        '',
        'FAILED',
      ]);
      continue;
    }
    r.metrics.forEach((m, i) => {
      out.push([
        i === 0 ? r.title : '',
        `${m.metric} (${m.unit})`,
        num(m.chatbatch),
        num(m.baseline),
        m.ratio === null ? '' : `${num(m.ratio)}×`,
        m.target ?? '',
        verdict(m),
      ]);
    });
  }
  return out;
}

/** The results as an aligned plain-text table. */
export function textTable(results: readonly ScenarioResult[]): string {
  const all = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [
    line(HEADER),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows(results).map(line),
  ].join('\n');
}

/** The results as a Markdown table (for docs/performance.md). */
export function markdownTable(results: readonly ScenarioResult[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const body = rows(results).map((row) => `| ${row.map(escape).join(' | ')} |`);
  return [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`, ...body].join(
    '\n',
  );
}

/** Rows of cells as aligned plain text: the first row is the header, numbers right-aligned. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  const numeric = /^[-+]?[\d,.]+\s*[%×]?$/;
  return rows
    .map((row) =>
      row
        .map((cell, c) =>
          numeric.test(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
