import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isBrowserPage, presentedToken } from '../auth.js';
import { ApiError } from '../errors.js';
import type { DoneRecord, IdempotencyStore } from './idempotency-store.js';

/** Visible ASCII, 1–255 characters (what Stripe and the IETF draft accept, in practice). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * Where a key is valid: the route (method and path) and the caller. The token is part of it, so
 * another client that picks the same key (or guesses one) neither replays nor blocks this
 * client's answer. Only a digest of the token goes into the scope (and Redis).
 */
export function idempotencyScope(
  request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>,
): string {
  const token = presentedToken(request.headers.authorization, isBrowserPage(request.url)) ?? '';
  const caller = createHash('sha256').update(token).digest('hex').slice(0, 32);
  return `${caller} ${request.method} ${request.url.split('?')[0]}`;
}

/** A POST's work, split so that a replay can be recognised without doing the work again. */
export interface IdempotentWork {
  /**
   * The request's fingerprint, computed without side effects (a streamed body is read and
   * dropped). Only called when the key has an answer already.
   */
  fingerprint(): Promise<string>;
  /** Does the work; returns the answer and the fingerprint of the request it consumed. */
  execute(): Promise<{ statusCode: number; body: unknown; fingerprint: string }>;
  /**
   * A smaller, still truthful answer to keep when the first one is over the store's size limit
   * (`maxRecordBytes`). Without it, such an answer is not kept and a retry runs the work again.
   */
  compact?(body: unknown): unknown;
}

/** The record to keep for `result`: as answered, compacted, or none when both are too large. */
function recordToKeep(
  result: Awaited<ReturnType<IdempotentWork['execute']>>,
  work: IdempotentWork,
  maxBytes: number,
): DoneRecord | undefined {
  const full: DoneRecord = { state: 'done', ...result };
  if (Buffer.byteLength(JSON.stringify(full)) <= maxBytes) return full;
  if (!work.compact) return undefined;
  const compacted: DoneRecord = { ...full, body: work.compact(result.body) };
  return Buffer.byteLength(JSON.stringify(compacted)) <= maxBytes ? compacted : undefined;
}

/**
 * Answers a POST, honouring `Idempotency-Key`: the first request with a key does the work and
 * its successful answer is kept; the same key with the same request gets that answer again
 * (with `Idempotent-Replayed: true`) and nothing is done twice; with another request, 422; while
 * the first is still being served, 409. Without the header the work simply runs.
 */
export async function answerIdempotently(
  store: IdempotencyStore,
  request: FastifyRequest,
  reply: FastifyReply,
  work: IdempotentWork,
): Promise<FastifyReply> {
  const header = request.headers[IDEMPOTENCY_HEADER];
  if (header === undefined) {
    const result = await work.execute();
    return reply.code(result.statusCode).send(result.body);
  }
  if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
    throw new ApiError(
      'invalid_request',
      'Idempotency-Key: must be 1-255 visible ASCII characters',
    );
  }
  const scope = idempotencyScope(request);
  const claim = await store.claim(scope, header);

  if (claim.kind === 'pending') {
    throw new ApiError(
      'idempotency_in_progress',
      'a request with this Idempotency-Key is still being served; try again when it has finished',
    );
  }
  if (claim.kind === 'done') {
    if ((await work.fingerprint()) !== claim.record.fingerprint) {
      throw new ApiError(
        'idempotency_key_reused',
        'this Idempotency-Key was used with a different request; use a new key for a new request',
      );
    }
    reply.header(REPLAYED_HEADER, 'true');
    return reply.code(claim.record.statusCode).send(claim.record.body);
  }

  const { owner } = claim;
  const timer = setInterval(() => {
    store.keepAlive(scope, header, owner).catch(() => undefined);
  }, store.keepAliveMs);
  timer.unref();
  let result: Awaited<ReturnType<IdempotentWork['execute']>>;
  try {
    result = await work.execute();
  } catch (error) {
    await store.release(scope, header, owner).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(timer);
  }
  try {
    const record =
      result.statusCode < 300 ? recordToKeep(result, work, store.maxRecordBytes) : undefined;
    if (record) {
      await store.complete(scope, header, owner, record);
    } else {
      if (result.statusCode < 300)
        request.log.warn('answer too large to keep for its Idempotency-Key; a retry runs again');
      await store.release(scope, header, owner);
    }
  } catch (error) {
    // The work is done: answer it. A retry with this key will find it pending or free.
    request.log.warn({ err: (error as Error).message }, 'could not keep the idempotent answer');
  }
  return reply.code(result.statusCode).send(result.body);
}
