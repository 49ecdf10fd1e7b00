import { finished, type Readable } from 'node:stream';
import { CsvReadNotes, readCsvRows } from '../../csv/index.js';
import type { IngestOptions, IngestRow } from '../../ingest.js';
import { BodyMeter, Fingerprint } from './body-meter.js';
import { conversationIdIssues, jsonConversationRows } from './json-conversations.js';
import type { SubmitJson, SubmitQuery } from '../schemas/batches.js';
import { RequestValidationError } from '../validation.js';
import type { SendWindow } from '../../../shared/send-window.js';
import type { FrequencyCap } from '../../../shared/frequency-cap.js';
import type { Priority } from '../../../store/lane-store.js';
import type { OptInEventType } from '../../../shared/webhook-settings.js';
import { ApiError } from '../errors.js';
import type { BodyGuardOptions } from '../body-guard.js';

/**
 * One `POST /v1/batches` body, whatever its content type, as `ingestRows` wants it. Split in two
 * so that an Idempotency-Key replay can fingerprint the body without ingesting it.
 */
export interface Submission {
  /** Reads the options and hands over the rows; `fingerprint()` is final once they are read. */
  open(): Promise<{
    options: IngestOptions;
    rows: AsyncIterable<IngestRow>;
    fingerprint(): string;
  }>;
  /** Reads the whole body only to fingerprint it (nothing is staged or enqueued). */
  fingerprintOnly(): Promise<string>;
}

export interface SubmissionContext {
  /** The raw query string (part of the fingerprint). */
  rawQuery: string;
  /** The validated query parameters. */
  query: SubmitQuery;
  /** A new batch id, for submissions that name none. */
  newBatchId: () => string;
  /** Largest CSV body or file, in bytes. */
  csvLimitBytes: number;
  /** The server's webhook settings: a URL needs a secret to sign with. */
  webhooks: { defaultUrl: string | undefined; secretSet: boolean };
  /** How slowly a multipart body may arrive (the other bodies are guarded by a hook). */
  bodyGuard: BodyGuardOptions;
}

const blankToUndefined = (value: string | null | undefined) => value?.trim() || undefined;

export function ingestOptions(
  ctx: SubmissionContext,
  given: {
    batchId?: string | null;
    agentId?: string | null;
    strict?: boolean | null;
    dryRun?: boolean | null;
    scheduleAt?: number | null;
    expireAt?: number | null;
    window?: SendWindow | null;
    /** 'none': no cap for this batch; absent: the default. */
    frequencyCap?: FrequencyCap | 'none' | null;
    priority?: Priority | null;
    weight?: number | null;
    webhookUrl?: string | null;
    webhookEvents?: readonly OptInEventType[] | null;
  },
): IngestOptions {
  const webhookUrl = blankToUndefined(given.webhookUrl);
  if (webhookUrl && !ctx.webhooks.secretSet) {
    throw new ApiError(
      'invalid_request',
      'webhookUrl: this server has no CHATBATCH_WEBHOOK_SECRET to sign deliveries with; set it (whsec_…) on the API and the workers',
    );
  }
  if (given.webhookEvents?.length && !webhookUrl && !ctx.webhooks.defaultUrl) {
    throw new ApiError(
      'invalid_request',
      'webhookEvents: needs a webhook URL (webhookUrl, or CHATBATCH_WEBHOOK_URL on the server)',
    );
  }
  return {
    batchId: given.batchId ?? ctx.newBatchId(),
    agentId: blankToUndefined(given.agentId),
    strict: given.strict ?? false,
    dryRun: given.dryRun ?? false,
    scheduleAt: given.scheduleAt ?? undefined,
    expireAt: given.expireAt ?? undefined,
    window: given.window ?? undefined,
    frequencyCap: given.frequencyCap === 'none' ? null : (given.frequencyCap ?? undefined),
    priority: given.priority ?? undefined,
    weight: given.weight ?? undefined,
    webhookUrl,
    webhookEvents: given.webhookEvents ?? undefined,
  };
}

async function* fromIterable<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/** A JSON body, already parsed and checked against `submitJsonSchema` by fastify. */
export function jsonSubmission(
  body: SubmitJson,
  /** `jsonBodyDigest` of the request: the exact text that was sent. */
  bodyDigest: string,
  ctx: SubmissionContext,
): Submission {
  const issues = conversationIdIssues(body);
  if (issues.length > 0) throw new RequestValidationError('body', issues);
  const digest = new Fingerprint().part('query', ctx.rawQuery).part('json', bodyDigest).digest();
  return {
    async open() {
      const options = ingestOptions(ctx, {
        batchId: body.batchId ?? ctx.query.batchId,
        agentId: body.agentId ?? ctx.query.agentId,
        strict: body.strict ?? ctx.query.strict,
        dryRun: body.dryRun ?? ctx.query.dryRun,
        scheduleAt: body.scheduleAt ?? ctx.query.scheduleAt,
        expireAt: body.expireAt ?? ctx.query.expireAt,
        window: body.window ?? ctx.query.window,
        frequencyCap: body.frequencyCap ?? ctx.query.frequencyCap,
        priority: body.priority ?? ctx.query.priority,
        weight: body.weight ?? ctx.query.weight,
        webhookUrl: body.webhookUrl ?? ctx.query.webhookUrl,
        webhookEvents: body.webhookEvents ?? ctx.query.webhookEvents,
      });
      const rows = fromIterable(jsonConversationRows(body, options.agentId));
      return { options, rows, fingerprint: () => digest };
    },
    fingerprintOnly: async () => digest,
  };
}

/**
 * The rows of a CSV body or file. The reader's notes (separator, warnings) go to
 * `options.notes`, which this sets, so that the report carries them.
 */
export function csvRows(
  input: Readable,
  options: IngestOptions,
  delimiter: string | undefined,
  source: string,
) {
  options.notes ??= new CsvReadNotes();
  return readCsvRows(input, {
    delimiter,
    defaultAgentId: options.agentId,
    source,
    notes: options.notes,
    strict: options.strict,
  });
}

/**
 * Pipes a request body (or a multipart file) into a meter. Not `pipeline`: that would destroy
 * the request with the meter's 413, and the request's own error would then go unhandled. The
 * request is only left unread; the 413 answer closes the connection. The body's own errors (a
 * stream cut short, a multipart part the parser could not read) reach the reader as the
 * client's 400s (see `asBodyError`); anything the reader itself throws stays what it is.
 */
export function feed(source: Readable, meter: BodyMeter, what: string): void {
  // `finished`, not an 'error' listener: a multipart file that failed before we got to it (the
  // upload ended inside it) is already destroyed, and only `finished` still reports that.
  finished(source, (error) => {
    if (error) meter.destroy(asBodyError(error, what) as Error);
  });
  source.pipe(meter);
}

/**
 * Errors met while reading a body (a stream cut short, a multipart part the parser could not
 * read) are the client's: a 400 `invalid_request` naming `what`, not a 500. Errors that already
 * have an answer (413, 408, fastify's coded ones) pass unchanged.
 */
export function asBodyError(error: unknown, what: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (
    error instanceof ApiError ||
    (typeof code === 'string' && code.startsWith('FST_')) ||
    !(error instanceof Error)
  ) {
    return error;
  }
  return new ApiError('invalid_request', `${what}: ${error.message}`);
}

/** Reads a stream to its end, dropping the bytes (they only feed a fingerprint on the way). */
export function drain(source: Readable, meter: BodyMeter, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    meter.on('error', reject);
    meter.on('end', resolve);
    feed(source, meter, what);
    meter.resume();
  });
}

/** A raw `text/csv` body: options in the query string. */
export function rawCsvSubmission(body: Readable, ctx: SubmissionContext): Submission {
  const fingerprint = new Fingerprint().part('query', ctx.rawQuery).part('csv', '');
  const meter = new BodyMeter(ctx.csvLimitBytes, 'the CSV body', fingerprint);
  return {
    async open() {
      const options = ingestOptions(ctx, ctx.query);
      feed(body, meter, 'CSV body');
      return {
        options,
        rows: csvRows(meter, options, ctx.query.delimiter, 'CSV body'),
        fingerprint: () => fingerprint.digest(),
      };
    },
    async fingerprintOnly() {
      await drain(body, meter, 'CSV body');
      return fingerprint.digest();
    },
  };
}
