import cliProgress from 'cli-progress';
import { TERMINAL_COLUMNS } from './status-format.js';

/**
 * Progress for long commands: a live bar on a TTY, a plain line every few seconds otherwise
 * (CI logs and pipes must not fill with carriage returns), and a last line when it stops.
 */
export interface Progress {
  /** `value` of `total` done; `note` is shown after the numbers (e.g. rows read so far). */
  update(value: number, total?: number, note?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Where to draw. Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Off a TTY: at most one line per this many ms. Default 5000. */
  intervalMs?: number;
  /**
   * What is counted, in the singular, shown after the numbers (`1/1 conversation`,
   * `3/40 conversations`). Default none.
   */
  unit?: string;
  /** How a value is written, e.g. as bytes. Default the plain number. */
  formatValue?: (value: number) => string;
  /** Width the bar line must fit in. Default the terminal's, at most 80 columns. */
  columns?: number;
  now?: () => number;
}

/** 1536 → `1.5 KB`, for progress in bytes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Room the bar line keeps besides the bar: numbers, percentage, elapsed time. */
const NUMBERS_WIDTH = 48;
const MIN_BAR = 10;
const MAX_BAR = 40;

export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const show = options.formatValue ?? ((n: number) => n.toLocaleString('en-US'));
  const unit = (count: number) =>
    options.unit ? ` ${count === 1 ? options.unit : `${options.unit}s`}` : '';
  const numbers = (value: number, total: number | undefined) =>
    total === undefined || total <= 0
      ? `${show(value)}${unit(value)}`
      : `${show(value)}/${show(total)}${unit(total)}`;

  if (stream.isTTY) {
    const columns = Math.min(
      options.columns ?? stream.columns ?? TERMINAL_COLUMNS,
      TERMINAL_COLUMNS,
    );
    const barsize = Math.max(MIN_BAR, Math.min(MAX_BAR, columns - label.length - NUMBERS_WIDTH));
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% {numbers}{note} {duration_formatted}`,
        stream,
        barsize,
        hideCursor: true,
        // Never wider than the terminal: cut rather than wrap onto a second line.
        linewrap: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let lastTotal = 0;
    return {
      update(value, total, note) {
        const payload = {
          numbers: numbers(value, total ?? lastTotal),
          note: note ? `, ${note}` : '',
        };
        if (total !== undefined) lastTotal = total;
        if (!started) {
          bar.start(Math.max(lastTotal, 1), value, payload);
          started = true;
        } else {
          if (total !== undefined) bar.setTotal(Math.max(total, 1));
          bar.update(value, payload);
        }
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }

  const intervalMs = options.intervalMs ?? 5000;
  const startedAt = now();
  let lastLine: number | undefined;
  let latest: { value: number; total?: number; note?: string } | undefined;
  let latestPrinted = true;
  const line = (prefix: string) => {
    if (!latest) return;
    const { value, total, note } = latest;
    const percent =
      total !== undefined && total > 0 ? ` (${Math.floor((value / total) * 100)}%)` : '';
    const seconds = ((now() - startedAt) / 1000).toFixed(0);
    stream.write(
      `${prefix}${label}: ${numbers(value, total)}${percent}${note ? `, ${note}` : ''} after ${seconds} s\n`,
    );
    latestPrinted = true;
  };
  return {
    update(value, total, note) {
      latest = { value, total, note };
      latestPrinted = false;
      const at = now();
      if (lastLine !== undefined && at - lastLine < intervalMs) return;
      lastLine = at;
      line('');
    },
    stop() {
      // The last figures, unless the last line already showed them.
      if (!latestPrinted) line('');
    },
  };
}
