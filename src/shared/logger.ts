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
  // ioredis errors carry the command with its arguments (customer text): see serializeError,
  // which drops them from `err`; this catches an error logged under another key.
  'command',
  '*.command',
];

/** Nested causes logged per error, at most (a cycle must not loop). */
const MAX_CAUSES = 5;

/**
 * What a logged error keeps: its type, message, code, stack and cause, never the other
 * properties a library hangs on it. ioredis puts the failed command and all its arguments on
 * `command` (a script's ARGV: customer inputs, variables, replies), and pino's standard
 * serializer would log every enumerable property.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  const cause = (value as { cause?: unknown }).cause;
  return {
    type: value.name,
    message: value.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    stack: value.stack,
    ...(cause !== undefined && depth < MAX_CAUSES
      ? { cause: serializeError(cause, depth + 1) }
      : {}),
  };
}

/** The one root logger of a process; pass it down and bind children to batch/conversation. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { err: serializeError, error: serializeError },
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
