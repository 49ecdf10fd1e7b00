import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { BodyMeter, Fingerprint } from './body-meter.js';
import { ApiError, payloadTooLarge } from '../errors.js';
import { watchBody, type BodyGuardOptions } from '../body-guard.js';
import { submitQuerySchema } from '../schemas/batches.js';
import {
  asBodyError,
  csvRows,
  drain,
  feed,
  ingestOptions,
  type Submission,
  type SubmissionContext,
} from './submissions.js';
import { RequestValidationError, toIssues } from '../validation.js';

/** The form's file field, and the option fields that may come before it. */
export const FILE_FIELD = 'file';
const OPTION_FIELDS = new Set(Object.keys(submitQuerySchema.shape));

/** Limits of the multipart parser besides the file size (which BodyMeter enforces). */
export function multipartLimits(csvLimitBytes: number) {
  return {
    files: 1,
    fields: OPTION_FIELDS.size,
    parts: OPTION_FIELDS.size + 1,
    fieldSize: 1024,
    // One byte over the limit, so that BodyMeter sees the excess and answers 413 itself.
    fileSize: csvLimitBytes + 1,
  };
}

const badForm = (message: string) => new ApiError('invalid_request', `multipart body: ${message}`);

/**
 * A `multipart/form-data` upload: option fields (the query parameters' names), then the CSV as
 * the `file` field. Streamed: the file goes through the CSV reader into the ingest as it
 * arrives, which is why the fields must come first (curl -F sends them in the order given).
 * Anything after the file fails the request before the ingest commits.
 */
export function multipartSubmission(request: FastifyRequest, ctx: SubmissionContext): Submission {
  const fingerprint = new Fingerprint().part('query', ctx.rawQuery);
  const parts = request.parts({ limits: multipartLimits(ctx.csvLimitBytes) });
  const slow = slowBodyGuard(request, ctx.bodyGuard);

  async function next(): Promise<Multipart | undefined> {
    const step = parts.next();
    // The first call pipes the request into the parser; only then may it be watched.
    slow.start();
    try {
      const result = await Promise.race([step, slow.failed]);
      return result.done ? undefined : result.value;
    } catch (error) {
      throw asBodyError(error, 'multipart body');
    }
  }

  /** The file streams through `meter`, which a slow body destroys too. */
  function metered(meter: BodyMeter): BodyMeter {
    slow.onFail((error) => meter.destroy(error));
    return meter;
  }

  /** Reads the option fields up to the file part. */
  async function readUpToFile(): Promise<{ fields: Record<string, string>; file: MultipartFile }> {
    const fields: Record<string, string> = {};
    for (let part = await next(); part !== undefined; part = await next()) {
      if (part.type === 'file') {
        if (part.fieldname !== FILE_FIELD)
          throw badForm(
            `unexpected file field "${part.fieldname}"; send the CSV as "${FILE_FIELD}"`,
          );
        fingerprint.part(FILE_FIELD, '');
        return { fields, file: part };
      }
      if (!OPTION_FIELDS.has(part.fieldname))
        throw badForm(
          `unknown field "${part.fieldname}"; fields are ${[...OPTION_FIELDS].join(', ')} and ${FILE_FIELD}`,
        );
      // Cut to fieldSize by the parser: refused rather than used half.
      if (part.valueTruncated || part.fieldnameTruncated)
        throw badForm(
          `field "${part.fieldname}" is longer than ${multipartLimits(0).fieldSize} bytes`,
        );
      const value = String(part.value);
      fields[part.fieldname] = value;
      fingerprint.part(`field:${part.fieldname}`, value);
    }
    throw badForm(`no "${FILE_FIELD}" field with the CSV`);
  }

  return {
    async open() {
      const { fields, file } = await readUpToFile();
      const parsed = submitQuerySchema.safeParse(fields);
      if (!parsed.success) throw new RequestValidationError('body', toIssues(parsed.error));
      // A field wins over the query parameter of the same name.
      const given = { ...ctx.query, ...parsed.data };
      const options = ingestOptions(ctx, given);
      const meter = metered(new BodyMeter(ctx.csvLimitBytes, 'the CSV file', fingerprint));
      feed(file.file, meter, 'multipart body');
      const source = file.filename || FILE_FIELD;
      async function* rows() {
        yield* csvRows(meter, options, given.delimiter, source);
        if (file.file.truncated) throw payloadTooLarge('the CSV file', ctx.csvLimitBytes);
        if ((await next()) !== undefined)
          throw badForm(`the "${FILE_FIELD}" field must be the last; send the option fields first`);
      }
      return { options, rows: rows(), fingerprint: () => fingerprint.digest() };
    },

    async fingerprintOnly() {
      const { file } = await readUpToFile();
      await drain(
        file.file,
        metered(new BodyMeter(ctx.csvLimitBytes, 'the CSV file', fingerprint)),
        'multipart body',
      );
      for (let part = await next(); part !== undefined; part = await next()) {
        if (part.type === 'file')
          await drain(part.file, new BodyMeter(Infinity, '', fingerprint), 'multipart body');
        else fingerprint.part(`field:${part.fieldname}`, String(part.value));
      }
      return fingerprint.digest();
    },
  };
}

/**
 * `watchBody` for a multipart request, which @fastify/multipart reads straight from the
 * request: `failed` rejects (and `onFail` callbacks run) with the 408 when the body trickles.
 */
function slowBodyGuard(request: FastifyRequest, options: BodyGuardOptions) {
  let started = false;
  let failure: ApiError | undefined;
  const callbacks: ((error: ApiError) => void)[] = [];
  let rejectFailed: (error: ApiError) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => undefined);
  return {
    failed,
    start() {
      if (started) return;
      started = true;
      watchBody(request.raw, options, (error) => {
        failure = error;
        rejectFailed(error);
        for (const callback of callbacks) callback(error);
      });
    },
    onFail(callback: (error: ApiError) => void) {
      if (failure) callback(failure);
      else callbacks.push(callback);
    },
  };
}
