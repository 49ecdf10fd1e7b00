import { pino, type Logger, type DestinationStream } from 'pino';
import { prettyDestination } from './log-pretty.js';

export type { Logger };

/**
 * Paths that may hold a secret anywhere in a log object. Secrets are never logged on
 * purpose; this is the net for the day someone logs a whole request or config object.
 */
const REDACT = [
  'apiKey',
  'sigmamindApiKey',
  'apiTokens',
  'token',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.apiKey',
  '*.sigmamindApiKey',
  '*.apiTokens',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  // pino matches paths case-sensitively; the Chats client sends `X-API-Key`, users `Authorization`.
  'Authorization',
  'headers.Authorization',
  'headers["X-API-Key"]',
  '*.Authorization',
  '*.headers.Authorization',
  '*.headers["X-API-Key"]',
];

/** The one root logger of a process; pass it down and bind children to batch/conversation. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * The logger of a command: human-readable lines when `stream` is a terminal (a person is
 * watching), JSON lines otherwise (a log collector, a file, a pipe). Redaction is the same.
 */
export function createTerminalLogger(
  level: string,
  stream: NodeJS.WritableStream & { isTTY?: boolean; hasColors?: () => boolean } = process.stderr,
): Logger {
  return createLogger(
    level,
    stream.isTTY ? prettyDestination(stream) : (stream as DestinationStream),
  );
}
