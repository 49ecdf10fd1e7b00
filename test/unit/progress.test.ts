import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes } from '../../src/cli/progress.js';

/** A stream that is (or is not) a terminal of `columns` columns, collecting what is written. */
function stream(isTTY: boolean, columns = 80) {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  out.isTTY = isTTY;
  out.columns = columns;
  return { out: out as unknown as NodeJS.WriteStream, text: () => text };
}

/** Each text drawn between cursor moves (escape codes, carriage returns, line breaks). */
function screenLines(raw: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = raw.replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, '\n');
  return plain.split(/[\r\n]+/).filter((line) => line.trim() !== '');
}

describe('progress off a terminal', () => {
  it('prints a line at once, then one per interval, and the last figures when it stops', () => {
    let t = 0;
    const pipe = stream(false);
    const progress = createProgress('read', {
      stream: pipe.out,
      intervalMs: 2000,
      formatValue: formatBytes,
      now: () => t,
    });
    for (const [at, bytes, rows] of [
      [0, 65_536, 500],
      [1000, 131_072, 1000],
      [2500, 1_048_576, 8000],
      [3000, 2_097_152, 16_000],
      [4600, 3_145_728, 24_000],
      [5000, 4_194_304, 32_000],
    ] as const) {
      t = at;
      progress.update(bytes, 4_194_304, `${rows.toLocaleString('en-US')} rows`);
    }
    progress.stop();
    expect(pipe.text().trimEnd().split('\n')).toEqual([
      'read: 64.0 KB/4.0 MB (1%), 500 rows after 0 s',
      'read: 1.0 MB/4.0 MB (25%), 8,000 rows after 3 s',
      'read: 3.0 MB/4.0 MB (75%), 24,000 rows after 5 s',
      'read: 4.0 MB/4.0 MB (100%), 32,000 rows after 5 s',
    ]);
  });

  it('does not repeat the last line when it stops right after printing it', () => {
    const pipe = stream(false);
    const progress = createProgress('finished', { stream: pipe.out, unit: 'conversation' });
    progress.update(3, 3);
    progress.stop();
    expect(pipe.text()).toBe('finished: 3/3 conversations (100%) after 0 s\n');
    const one = stream(false);
    const single = createProgress('finished', { stream: one.out, unit: 'conversation' });
    single.update(1, 1);
    expect(one.text()).toBe('finished: 1/1 conversation (100%) after 0 s\n');
  });
});

describe('progress on a terminal', () => {
  it('shows bytes read of the file size, within 80 columns', () => {
    const tty = stream(true, 120);
    const progress = createProgress('read', { stream: tty.out, formatValue: formatBytes });
    progress.update(1_234_567, 52_428_800, '10,000 rows');
    progress.update(52_428_800, 52_428_800, '1,234,567 rows');
    progress.stop();
    const lines = screenLines(tty.text());
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(lines.at(-1)).toMatch(/^read \[[█░]+\] 100% 50\.0 MB\/50\.0 MB, 1,234,567 rows/);
  });

  it('fits status --watch in 80 columns even for large batches', () => {
    const tty = stream(true, 200);
    const progress = createProgress('finished', { stream: tty.out, unit: 'conversation' });
    progress.update(999_999, 1_000_000);
    progress.stop();
    for (const line of screenLines(tty.text())) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(screenLines(tty.text()).at(-1)).toContain('999,999/1,000,000 conversations');
  });
});
