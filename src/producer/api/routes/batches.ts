import { Readable } from 'node:stream';
import { z } from 'zod';
import { resultLines } from '../../results-export.js';
import type { ApiContext, ZodApp } from '../context.js';
import { batchNotFound } from '../errors.js';
import { exportQuery } from './export-query.js';
import { batchListSchema, listQuerySchema, resultsQuerySchema } from '../schemas/batches.js';
import { batchErrors, batchIdParams, batchStatusSchema, errorSchema } from '../schemas/common.js';

const CONTENT_TYPES = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
} as const;

/** Reading batches: the list, one batch's status, its results. Same store calls as the CLI. */
export function registerBatchRoutes(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/v1/batches',
    {
      schema: {
        tags: ['batches'],
        summary: 'List batches, newest first',
        querystring: listQuerySchema,
        response: { 200: batchListSchema, 400: errorSchema, 401: errorSchema, 503: errorSchema },
      },
    },
    async (request) => {
      const { offset, limit } = request.query;
      const { batchIds, total } = await ctx.batchStore.list(offset, limit);
      const statuses = await Promise.all(batchIds.map((id) => ctx.batchStore.status(id)));
      const end = offset + batchIds.length;
      return {
        // A batch past its retention may still be listed for a moment: leave it out.
        batches: statuses.filter((status) => status !== undefined),
        total,
        offset,
        limit,
        nextOffset: end < total ? end : null,
      };
    },
  );

  app.get(
    '/v1/batches/:batchId',
    {
      schema: {
        tags: ['batches'],
        summary: 'Status of a batch (the `chatbatch status --json` object)',
        params: batchIdParams,
        response: { 200: batchStatusSchema, ...batchErrors },
      },
    },
    async (request) => {
      const status = await ctx.batchStore.status(request.params.batchId);
      if (!status) throw batchNotFound(request.params.batchId);
      return status;
    },
  );

  app.get(
    '/v1/batches/:batchId/results',
    {
      schema: {
        tags: ['batches'],
        summary: 'Results: one record per turn, in input order, streamed',
        description:
          'JSONL (one TurnRecord per line) or CSV with the same columns; cells a spreadsheet ' +
          "would run as a formula get a leading apostrophe. `reply` holds the agent's reply as " +
          'plain text. For spreadsheets: `delimiter` (e.g. `;`) and `bom=true` (Excel on Windows).',
        params: batchIdParams,
        querystring: resultsQuerySchema,
        response: {
          200: {
            description: 'the records, streamed',
            content: {
              [CONTENT_TYPES.jsonl]: { schema: z.string().describe('one TurnRecord per line') },
              [CONTENT_TYPES.csv]: {
                schema: z.string().describe('header row, then one turn per row'),
              },
            },
          },
          ...batchErrors,
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { batchId } = request.params;
      if (!(await ctx.batchStore.status(batchId))) throw batchNotFound(batchId);
      const { format, csv } = exportQuery(request.query);
      const lines = resultLines(ctx.batchStore.results(batchId), format, csv);
      return (
        reply
          .type(CONTENT_TYPES[format])
          // A stream is sent as is; the 200 schema above only documents its lines.
          .send(Readable.from(lines) as never)
      );
    },
  );
}
