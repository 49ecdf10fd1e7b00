import { Readable } from 'node:stream';
import { z } from 'zod';
import { rejectedLines } from '../../rejected-export.js';
import type { ApiContext, ZodApp } from '../context.js';
import { batchNotFound } from '../errors.js';
import { exportQuery } from './export-query.js';
import { resultsQuerySchema } from '../schemas/batches.js';
import { batchErrors, batchIdParams, errorSchema } from '../schemas/common.js';

const CONTENT_TYPES = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
} as const;

export const OMITTED_HEADER = 'rejected-rows-omitted';

/** `GET /v1/batches/:batchId/rejected`: the rejected rows kept with the batch (`chatbatch rejected`). */
export function registerRejectedRoute(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/v1/batches/:batchId/rejected',
    {
      schema: {
        tags: ['batches'],
        summary: "The batch's rejected rows: line (CSV) or index (JSON), conversation id, errors",
        description:
          'The first 10,000 rejected rows of the batch, in input order, as JSONL ' +
          '(`{line, index?, conversationId, errors}`) or CSV; never the input text. Rows past ' +
          'those are only counted: header `Rejected-Rows-Omitted`. CSV takes `delimiter` and ' +
          '`bom` as the results do.',
        params: batchIdParams,
        querystring: resultsQuerySchema,
        response: {
          200: {
            description: 'the rows, in input order',
            content: {
              [CONTENT_TYPES.jsonl]: { schema: z.string().describe('one rejected row per line') },
              [CONTENT_TYPES.csv]: {
                schema: z.string().describe('line,index,conversationId,errors'),
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
      const kept = await ctx.rejectedStore.read(batchId);
      const { format, csv } = exportQuery(request.query);
      return reply
        .type(CONTENT_TYPES[format])
        .header(OMITTED_HEADER, String(kept?.omitted.count ?? 0))
        .send(Readable.from(rejectedLines(kept?.rows ?? [], format, csv)) as never);
    },
  );
}
