import type { RedisRefusal } from '../../shared/redis-refusal.js';

/**
 * The API's coded errors, one catalogue (fastify's `lib/errors.js` style). Every error answer
 * is `{error: code, message, issues?}`; `code` is stable for programs, `message` is for people
 * and never holds a secret or a stack trace.
 */
export const API_ERRORS = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_csv: 400,
  unauthorized: 401,
  not_found: 404,
  batch_not_found: 404,
  conversation_not_found: 404,
  conversation_closed: 409,
  batch_cancelled: 409,
  idempotency_in_progress: 409,
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  internal: 500,
  redis_unavailable: 503,
  redis_refuses_writes: 503,
  redis_full: 507,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** One problem with a request, as zod reports it (`path` into the body, query or params). */
export interface ApiIssue {
  code: string;
  path: (string | number)[];
  message: string;
}

/** An answer with an error status, thrown by handlers and turned into JSON by the error handler. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly statusCode: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: ApiIssue[],
  ) {
    super(message);
    this.statusCode = API_ERRORS[code];
  }
}

export const batchNotFound = (batchId: string) =>
  new ApiError('batch_not_found', `no such batch: ${batchId}`);

export const redisUnavailable = () =>
  new ApiError('redis_unavailable', 'Redis is unavailable; nothing was changed, try again later');

/** Redis answers but refuses writes (see shared/redis-refusal.ts). */
export const redisRefused = (refusal: RedisRefusal) =>
  refusal === 'full'
    ? new ApiError(
        'redis_full',
        'Redis is full (maxmemory) and refuses writes; nothing was changed. ' +
          'An operator must free memory or raise maxmemory',
      )
    : new ApiError(
        'redis_refuses_writes',
        'Redis refuses writes (read-only replica or persistence failure); nothing was changed, ' +
          'try again later',
      );

export const payloadTooLarge = (what: string, limitBytes: number) =>
  new ApiError(
    'payload_too_large',
    `${what} is larger than the limit of ${formatBytes(limitBytes)}; nothing was enqueued`,
  );

function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 1 ? `${Number(mb.toFixed(2))} MB` : `${bytes} bytes`;
}
