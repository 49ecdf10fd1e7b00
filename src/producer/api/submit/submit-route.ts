import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ingestRows } from '../../ingest.js';
import type { IngestReport } from '../../ingest-report.js';
import { foldRejectedRows } from '../../rejected-rows.js';
import {
  CSV_MEDIA_TYPES,
  jsonBodyDigest,
  NO_BODY_DIGEST,
  registerCsvStreamParser,
} from '../content-parsers.js';
import type { ApiContext, ZodApp } from '../context.js';
import { answerIdempotently } from '../idempotency/idempotent-answer.js';
import { multipartLimits, multipartSubmission } from './multipart-submission.js';
import { errorSchema } from '../schemas/common.js';
import {
  ingestReportSchema,
  submitJsonSchema,
  submitMultipartDoc,
  submitQuerySchema,
} from '../schemas/batches.js';
import {
  jsonSubmission,
  rawCsvSubmission,
  type Submission,
  type SubmissionContext,
} from './submissions.js';
import { RequestValidationError, toIssues } from '../validation.js';
import { idempotencyHeaders, rawQueryOf } from '../routes/shared.js';

const DESCRIPTION = `Submits conversations, as JSON, as a raw CSV body (\`Content-Type: text/csv\`, options
as query parameters) or as a multipart form (option fields first, then the CSV as \`file\`). CSV follows
the rules of the CLI's \`chatbatch ingest\`; CSV bodies are streamed, never held whole.

A conversation with an invalid turn is rejected whole and listed in \`rejectedRows\` with its \`index\`
(JSON) or \`line\` (CSV) and the reasons; the others are enqueued. Sending the same conversations to the
same batch again adds nothing (\`duplicates\`).`;

/**
 * `POST /v1/batches`, in a plugin of its own: only this route accepts CSV and multipart bodies
 * (elsewhere they are a 415). JSON is validated here, not by fastify, because the route takes
 * three content types and only JSON has a body schema.
 */
export function registerSubmitRoute(app: ZodApp, ctx: ApiContext): void {
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    registerCsvStreamParser(scope, ctx.limits.csvBytes);
    await scope.register(multipart, { limits: multipartLimits(ctx.limits.csvBytes) });

    scope.post(
      '/v1/batches',
      {
        bodyLimit: ctx.limits.jsonBytes,
        config: {
          openapiBody: {
            'application/json': submitJsonSchema,
            'text/csv': { type: 'string', description: 'CSV with a header row' },
            'multipart/form-data': submitMultipartDoc,
          },
        },
        schema: {
          tags: ['batches'],
          summary: 'Submit a batch of conversations (JSON, CSV or multipart CSV upload)',
          description: DESCRIPTION,
          querystring: submitQuerySchema,
          headers: idempotencyHeaders,
          response: {
            202: ingestReportSchema,
            400: errorSchema,
            401: errorSchema,
            409: errorSchema,
            413: errorSchema,
            415: errorSchema,
            422: errorSchema,
            503: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const submissionContext: SubmissionContext = {
          rawQuery: rawQueryOf(request.url),
          query: request.query,
          newBatchId: ctx.newBatchId,
          csvLimitBytes: ctx.limits.csvBytes,
          webhooks: ctx.webhooks,
          bodyGuard: ctx.bodyGuard,
        };
        const submission = submissionOf(request, submissionContext);
        return answerIdempotently(ctx.idempotency, request, reply, {
          fingerprint: () => submission.fingerprintOnly(),
          async execute() {
            const opened = await submission.open();
            const report = await ingestRows(ctx.ingestDeps, opened.rows, opened.options);
            request.log.info(
              {
                batchId: report.batchId,
                accepted: report.accepted,
                rejected: report.rejected,
                duplicates: report.duplicates,
                turns: report.turns,
              },
              'batch submitted',
            );
            return { statusCode: 202, body: report, fingerprint: opened.fingerprint() };
          },
          compact: (body) => foldRejectedRows(body as IngestReport),
        });
      },
    );
  });
}

/** The body as a Submission, by content type (fastify has refused the unsupported ones: 415). */
function submissionOf(request: FastifyRequest, ctx: SubmissionContext): Submission {
  const mediaType = request.mediaType;
  if (mediaType === 'multipart/form-data') return multipartSubmission(request, ctx);
  if (mediaType !== undefined && CSV_MEDIA_TYPES.includes(mediaType))
    return rawCsvSubmission(request.body as Readable, ctx);
  const parsed = submitJsonSchema.safeParse(request.body);
  if (!parsed.success) throw new RequestValidationError('body', toIssues(parsed.error));
  return jsonSubmission(parsed.data, jsonBodyDigest(request) ?? NO_BODY_DIGEST, ctx);
}
