import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../src/shared/log-pretty.js';
import { createTerminalLogger } from '../../src/shared/logger.js';

const SECRET = 'sk-live-9f8e7d6c5b4a39281706';

/** A stream that says it is (or is not) a terminal, collecting what is written. */
function stream(isTTY: boolean, colours = false) {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY?: boolean; hasColors?: () => boolean };
  out.isTTY = isTTY;
  out.hasColors = () => colours;
  return { out, text: () => text };
}

describe('logs on a terminal and off it', () => {
  it('are human lines on a terminal, secrets still redacted', () => {
    const tty = stream(true);
    const logger = createTerminalLogger('info', tty.out);
    logger.info({ concurrency: 50, prefix: 'chatbatch', apiKey: SECRET }, 'worker started');
    logger.warn({ err: 'connect ECONNREFUSED 127.0.0.1:6379' }, 'Redis connection error');
    logger.debug('not shown at info');
    const lines = tty.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}worker started concurrency=50 prefix=chatbatch apiKey=\[redacted\]$/,
    );
    expect(lines[1]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}Redis connection error err="connect ECONNREFUSED 127\.0\.0\.1:6379"$/,
    );
    expect(tty.text()).not.toContain(SECRET);
    expect(tty.text()).not.toContain('{');
  });

  it('are JSON lines off a terminal', () => {
    const pipe = stream(false);
    createTerminalLogger('info', pipe.out).info({ apiKey: SECRET }, 'worker started');
    const entry = JSON.parse(pipe.text()) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 30, msg: 'worker started', apiKey: '[redacted]' });
  });

  it('colour the level on a colour terminal; other lines pass through', () => {
    const line = JSON.stringify({ level: 50, time: 0, pid: 1, msg: 'boom', code: 'x' });
    expect(formatLogLine(line, true)).toBe('00:00:00.000 \u001b[31mERROR\u001b[0m boom code=x');
    expect(formatLogLine('not json\n')).toBe('not json');
  });
});
