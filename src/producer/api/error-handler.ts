import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { BatchNotFoundError } from '../batch-control.js';
import { CsvFileError } from '../csv/index.js';
import { BatchCancelledError } from '../ingest.js';
import {
  ApiError,
  batchNotFound,
  payloadTooLarge,
  redisRefused,
  redisUnavailable,
  type ApiErrorCode,
} from './errors.js';
import { redisRefusal } from '../../shared/redis-refusal.js';
import { isTransientRedisError } from '../../shared/redis-retry.js';
import { RequestValidationError } from './validation.js';

/** Fastify's and @fastify/multipart's own errors, by code. */
const FRAMEWORK_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_PARTS_LIMIT: 'payload_too_large',
  FST_FILES_LIMIT: 'payload_too_large',
  FST_FIELDS_LIMIT: 'payload_too_large',
  FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_PROTO_VIOLATION: 'invalid_request',
  FST_INVALID_JSON_FIELD_ERROR: 'invalid_request',
};

interface ErrorAnswer {
  status: number;
  body: { error: ApiErrorCode; message: string; issues?: ApiError['issues'] };
}

export interface ErrorContext {
  redis: Pick<Redis, 'status'>;
  /** The JSON body limit, in bytes (fastify's own 413 does not say it). */
  jsonLimitBytes: number;
}

/** Every error as `{error, message, issues?}` with its status; never a stack trace. */
export function errorAnswer(
  error: unknown,
  request: Pick<FastifyRequest, 'headers'>,
  ctx: ErrorContext,
): ErrorAnswer {
  const answer = (e: ApiError): ErrorAnswer => ({
    status: e.statusCode,
    body: { error: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) },
  });
  if (error instanceof ApiError) return answer(error);
  if (error instanceof RequestValidationError) {
    return answer(new ApiError('invalid_request', error.message, error.issues));
  }
  if (error instanceof BatchNotFoundError) return answer(batchNotFound(error.batchId));
  if (error instanceof CsvFileError) return answer(new ApiError('invalid_csv', error.message));
  if (error instanceof BatchCancelledError)
    return answer(new ApiError('batch_cancelled', error.message));

  const e = error as Partial<FastifyError>;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return answer(payloadTooLarge('the request body', ctx.jsonLimitBytes));
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const type = request.headers['content-type'];
    return answer(
      new ApiError(
        'unsupported_media_type',
        `${type ? `content type ${JSON.stringify(type)} is not accepted here` : 'a body needs a Content-Type'}: ` +
          'send application/json (POST /v1/batches also takes text/csv and multipart/form-data)',
      ),
    );
  }
  const mapped = e.code ? FRAMEWORK_CODES[e.code] : undefined;
  if (mapped) return answer(new ApiError(mapped, e.message ?? mapped));
  if (
    e.message === 'Unexpected end of multipart data' ||
    e.message === 'Multipart: Boundary not found'
  ) {
    return answer(new ApiError('invalid_request', `multipart body: ${e.message}`));
  }
  const refusal = redisRefusal(error);
  if (refusal) return answer(redisRefused(refusal));
  if (ctx.redis.status !== 'ready' || isTransientRedisError(error)) {
    return answer(redisUnavailable());
  }
  // Other client errors raised by fastify (its messages carry no secrets).
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      status: e.statusCode,
      body: {
        error: e.statusCode === 404 ? 'not_found' : 'invalid_request',
        message: e.message ?? 'bad request',
      },
    };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error' } };
}

export function createErrorHandler(ctx: ErrorContext) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = errorAnswer(error, request, ctx);
    if (status >= 500) {
      // The logger's `err` serializer keeps type, message and stack only: an ioredis error also
      // carries the command and its arguments, customer text included.
      request.log.error({ err: error, answer: body.error }, 'request failed');
    }
    // The rest of the body is not read: the connection cannot carry another request.
    if (status === 413 || status === 408) reply.header('connection', 'close');
    if (status === 503) reply.header('retry-after', '5');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  };
}
