import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Fingerprint } from './submit/body-meter.js';
import { ApiError, payloadTooLarge } from './errors.js';

/** The fingerprint of each parsed JSON body (for Idempotency-Key), by request. */
const jsonDigests = new WeakMap<FastifyRequest, string>();

/** The fingerprint of a request's JSON body ('' bodies included); undefined when not JSON. */
export function jsonBodyDigest(request: FastifyRequest): string | undefined {
  return jsonDigests.get(request);
}

/** Digest of a body that was not sent at all (a POST without a body). */
export const NO_BODY_DIGEST = new Fingerprint().part('no-body', '').digest();

/**
 * Replaces fastify's JSON parser, for all routes:
 * - it fingerprints the raw bytes, so the Idempotency-Key check compares exactly what was sent;
 * - an empty body is no body (`curl -X POST -H 'Content-Type: application/json'` on a control
 *   route is fine);
 * - keys such as `__proto__` stay plain own keys instead of failing the request: docs/reference/contract.md
 *   makes them ordinary variable names. `JSON.parse` defines, never assigns, so no prototype
 *   changes; the zod schemas copy only known keys, and variables are never merged by assignment.
 */
export function registerJsonParser(app: FastifyInstance, limitBytes: number): void {
  // Only JSON (and, on POST /v1/batches, CSV): fastify's text/plain parser would let a plain
  // text body reach the routes as a string instead of answering 415.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: limitBytes },
    (request, raw, done) => {
      // The fingerprint takes the bytes: decoding turns every byte that is not UTF-8 into
      // U+FFFD, which the field rules then refuse (field-rules.ts), and two bodies that
      // differ only there are still two requests.
      const bytes = raw as Buffer;
      jsonDigests.set(request, new Fingerprint().part('json', bytes).digest());
      const body = bytes.toString('utf8');
      if (body.trim() === '') {
        done(null, undefined);
        return;
      }
      try {
        done(null, JSON.parse(body) as unknown);
      } catch (error) {
        done(new ApiError('invalid_json', `body is not valid JSON: ${(error as Error).message}`));
      }
    },
  );
}

export const CSV_MEDIA_TYPES = ['text/csv', 'application/csv'];

/**
 * CSV bodies are not parsed here: the handler streams them through the CSV reader into the
 * ingest, so a 200 MB upload never sits in memory. Only a declared length over the limit is
 * refused at once; a body without one is counted as it streams (see BodyMeter).
 */
export function registerCsvStreamParser(app: FastifyInstance, limitBytes: number): void {
  app.addContentTypeParser(CSV_MEDIA_TYPES, (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes) {
      done(payloadTooLarge('the CSV body', limitBytes));
      return;
    }
    done(null, payload);
  });
}
