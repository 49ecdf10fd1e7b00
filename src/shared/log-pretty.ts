import type { DestinationStream } from 'pino';

/**
 * A pino destination for people: each JSON line becomes `12:03:04.123 INFO  message key=value`,
 * coloured by level on a colour terminal. pino has already redacted secrets by the time a line
 * arrives here, so this sees nothing a JSON log would not. Lines that are not pino's JSON are
 * passed through unchanged.
 */

const LEVELS: Record<number, { name: string; colour: string }> = {
  10: { name: 'TRACE', colour: '\u001b[90m' },
  20: { name: 'DEBUG', colour: '\u001b[36m' },
  30: { name: 'INFO', colour: '\u001b[32m' },
  40: { name: 'WARN', colour: '\u001b[33m' },
  50: { name: 'ERROR', colour: '\u001b[31m' },
  60: { name: 'FATAL', colour: '\u001b[35m' },
};
const RESET = '\u001b[0m';
/** Fields every line has, shown in their own places or not at all. */
const FRAME = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON line as a human line (no trailing newline). */
export function formatLogLine(line: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.replace(/\n$/, '');
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.level !== 'number')
    return line.replace(/\n$/, '');
  const level = LEVELS[entry.level] ?? { name: String(entry.level), colour: '' };
  const time =
    typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const name = level.name.padEnd(5);
  const shown = colour ? `${level.colour}${name}${RESET}` : name;
  const fields = Object.entries(entry)
    .filter(([key]) => !FRAME.has(key))
    .map(([key, v]) => `${key}=${value(v)}`);
  return [time, shown, typeof entry.msg === 'string' ? entry.msg : '', ...fields]
    .filter((part) => part !== '')
    .join(' ');
}

/** A destination that writes human lines to `stream` (colours when it is a colour TTY). */
export function prettyDestination(stream: NodeJS.WritableStream & { hasColors?: () => boolean }) {
  const colour = typeof stream.hasColors === 'function' && stream.hasColors();
  const destination: DestinationStream = {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line !== '') stream.write(`${formatLogLine(line, colour)}\n`);
      }
    },
  };
  return destination;
}
