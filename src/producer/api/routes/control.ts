import { CONTROL_ACTIONS, type ControlAction } from '../../batch-control.js';
import { jsonBodyDigest, NO_BODY_DIGEST } from '../content-parsers.js';
import type { ApiContext, ZodApp } from '../context.js';
import { answerIdempotently } from '../idempotency/idempotent-answer.js';
import { controlResultSchema } from '../schemas/batches.js';
import { batchErrors, batchIdParams, errorSchema } from '../schemas/common.js';
import { idempotencyHeaders } from './shared.js';

const SUMMARIES: Record<ControlAction, string> = {
  cancel: 'Cancel every unfinished conversation (a turn in flight is still recorded)',
  pause: "Stop sending the batch's turns (in-flight turns finish; other batches go on)",
  resume: 'Continue a paused batch',
  'retry-failed': 'Give failed turns a fresh attempt budget and re-open the turns they skipped',
};

/** `POST /v1/batches/:batchId/{cancel,pause,resume,retry-failed}`: the CLI's control path. */
export function registerControlRoutes(app: ZodApp, ctx: ApiContext): void {
  for (const action of CONTROL_ACTIONS) {
    app.post(
      `/v1/batches/:batchId/${action}`,
      {
        schema: {
          tags: ['control'],
          summary: SUMMARIES[action],
          params: batchIdParams,
          headers: idempotencyHeaders,
          response: {
            200: controlResultSchema,
            ...batchErrors,
            400: errorSchema,
            409: errorSchema,
            415: errorSchema,
            422: errorSchema,
          },
        },
      },
      async (request, reply) => {
        // No body is expected; whatever was sent still counts for the Idempotency-Key check.
        const fingerprint = jsonBodyDigest(request) ?? NO_BODY_DIGEST;
        return answerIdempotently(ctx.idempotency, request, reply, {
          fingerprint: async () => fingerprint,
          async execute() {
            const result = await ctx.control.run(action, request.params.batchId);
            request.log.info(
              { batchId: request.params.batchId, action, changed: result.changed },
              'batch control',
            );
            return { statusCode: 200, body: result, fingerprint };
          },
        });
      },
    );
  }
}
