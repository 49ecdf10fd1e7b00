import { z } from 'zod';
import { recipientIdProblem } from '../../../shared/records.js';
import type { ApiContext, ZodApp } from '../context.js';
import { ApiError } from '../errors.js';
import { errorSchema } from '../schemas/common.js';

/** Ids per POST or DELETE: a bigger list goes through `chatbatch suppress import`. */
const MAX_IDS_PER_REQUEST = 10_000;

const recipientId = z
  .string()
  .transform((id) => id.trim())
  .superRefine((id, ctx) => {
    const problem = recipientIdProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const suppressionSchema = z
  .object({
    recipientId: z.string(),
    reason: z.string().nullable(),
    source: z.enum(['manual', 'import', 'opt-out']),
    at: z.string().describe('when it was added (ISO-8601)'),
  })
  .meta({ id: 'Suppression' });

const listQuery = z.object({
  cursor: z.string().regex(/^\d+$/, 'must be a cursor returned by this route').default('0'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const idsBody = z.strictObject({
  recipientIds: z
    .array(recipientId)
    .min(1)
    .max(MAX_IDS_PER_REQUEST)
    .describe(`1–${MAX_IDS_PER_REQUEST} recipient ids, as in the recipient_id column`),
  reason: z.string().max(500).optional().describe('why (kept with each entry)'),
});

const errors = { 400: errorSchema, 401: errorSchema, 503: errorSchema };

/**
 * `/v1/suppressions`: the suppression list of the contact rules (the CLI's `chatbatch suppress`).
 * An entry stops its recipient's conversations at their next turn, in every batch.
 */
export function registerSuppressionRoutes(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/v1/suppressions',
    {
      schema: {
        tags: ['contact rules'],
        summary: 'List the suppression list, a page at a time',
        description:
          'Pages follow Redis HSCAN: `limit` is a hint, and the order is arbitrary. Pass ' +
          '`nextCursor` as `cursor` until it is null.',
        querystring: listQuery,
        response: {
          200: z.object({
            suppressions: z.array(suppressionSchema),
            total: z.number().int().describe('entries on the list'),
            nextCursor: z.string().nullable(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const page = await ctx.suppressions.page(request.query.cursor, request.query.limit);
      return {
        suppressions: page.entries,
        total: await ctx.suppressions.size(),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/v1/suppressions/:recipientId',
    {
      schema: {
        tags: ['contact rules'],
        summary: 'Whether a recipient is on the suppression list',
        params: z.object({ recipientId }),
        response: { 200: suppressionSchema, 404: errorSchema, ...errors },
      },
    },
    async (request) => {
      const entry = await ctx.suppressions.get(request.params.recipientId);
      if (!entry) throw new ApiError('not_found', 'that recipient is not on the suppression list');
      return entry;
    },
  );

  app.post(
    '/v1/suppressions',
    {
      schema: {
        tags: ['contact rules'],
        summary: 'Put recipients on the suppression list',
        body: idsBody,
        response: {
          200: z.object({ added: z.number().int(), alreadyListed: z.number().int() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const ids = [...new Set(request.body.recipientIds)];
      const added = await ctx.suppressions.add(ids, {
        reason: request.body.reason,
        source: 'manual',
      });
      request.log.info({ recipients: ids.length, added }, 'suppression list: added');
      return { added, alreadyListed: ids.length - added };
    },
  );

  app.delete(
    '/v1/suppressions',
    {
      schema: {
        tags: ['contact rules'],
        summary: 'Take recipients off the suppression list',
        body: idsBody.omit({ reason: true }),
        response: { 200: z.object({ removed: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const removed = await ctx.suppressions.remove([...new Set(request.body.recipientIds)]);
      request.log.info({ removed }, 'suppression list: removed');
      return { removed };
    },
  );

  app.delete(
    '/v1/suppressions/:recipientId',
    {
      schema: {
        tags: ['contact rules'],
        summary: 'Take one recipient off the suppression list',
        params: z.object({ recipientId }),
        response: { 200: z.object({ removed: z.number().int() }), ...errors },
      },
    },
    async (request) => ({
      removed: await ctx.suppressions.remove([request.params.recipientId]),
    }),
  );
}
