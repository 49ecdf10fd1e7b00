import { z } from 'zod';
import type { ApiContext, ZodApp } from '../context.js';
import { batchNotFound } from '../errors.js';
import { batchErrors, batchIdParams } from '../schemas/common.js';

const retryResultSchema = z
  .object({
    batchId: z.string(),
    resent: z.number().int().describe('failed webhook events queued again'),
  })
  .meta({ id: 'WebhookRetryResult' });

/** `POST /v1/batches/:batchId/webhooks/retry`: the CLI's `chatbatch webhooks retry`. */
export function registerWebhookRoutes(app: ZodApp, ctx: ApiContext): void {
  app.post(
    '/v1/batches/:batchId/webhooks/retry',
    {
      schema: {
        tags: ['control'],
        summary:
          "Send the batch's failed webhook events again (same webhook-id and body, fresh retry budget)",
        params: batchIdParams,
        response: { 200: retryResultSchema, ...batchErrors },
      },
    },
    async (request) => {
      const { batchId } = request.params;
      if (!(await ctx.batchStore.status(batchId))) throw batchNotFound(batchId);
      const resent = await ctx.failedWebhooks.retry(batchId);
      request.log.info({ batchId, resent }, 'webhook events re-sent');
      return { batchId, resent };
    },
  );
}
