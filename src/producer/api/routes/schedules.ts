import { z } from 'zod';
import { jsonBodyDigest, NO_BODY_DIGEST } from '../content-parsers.js';
import type { ApiContext, ZodApp } from '../context.js';
import { ApiError } from '../errors.js';
import { answerIdempotently } from '../idempotency/idempotent-answer.js';
import { errorSchema } from '../schemas/common.js';
import { windowObjectShape } from '../schemas/schedule-options.js';
import {
  parseSendWindow,
  sendWindowFromSpec,
  SendWindowError,
  type SendWindow,
} from '../../../shared/send-window.js';
import { ScheduleError } from '../../schedules/schedule-definition.js';
import { idempotencyHeaders } from './shared.js';

const scheduleSchema = z
  .object({
    name: z.string(),
    cron: z.string(),
    tz: z.string(),
    agentId: z.string().optional(),
    window: z
      .union([z.string(), windowObjectShape])
      .optional()
      .describe('the send window as it was given, e.g. "mon-fri 09:00-18:00"'),
    paused: z.boolean(),
    createdAt: z.string(),
    csvBytes: z.number().int(),
    next: z.string().nullable().describe('next firing, when not paused'),
  })
  .meta({ id: 'Schedule' });

const scheduleBodySchema = z
  .strictObject({
    name: z
      .string()
      .describe('letters, digits, "_", "." or "-" (1-64); an existing one is replaced'),
    cron: z.string().describe('cron pattern, e.g. "0 10 * * 1-5"; a sixth leading field = seconds'),
    tz: z.string().default('UTC').describe('IANA zone of the cron'),
    csv: z
      .string()
      .describe('the contact list (CSV text, at most 10 MB), stored with the schedule'),
    agentId: z.string().optional().describe('agent for rows whose agent_id is empty'),
    window: z
      .union([windowObjectShape, z.string()])
      .optional()
      .describe("send window for each batch; its zone defaults to the schedule's tz"),
  })
  .meta({ id: 'ScheduleSubmission' });

const nameParams = z.object({ name: z.string() });
const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema, 503: errorSchema };

/** A window given without a zone takes the schedule's own zone (as in the CLI). */
function windowOf(
  value: string | z.infer<typeof windowObjectShape> | undefined,
  tz: string,
): SendWindow | undefined {
  if (value === undefined) return undefined;
  try {
    return typeof value === 'string'
      ? parseSendWindow(value, tz)
      : sendWindowFromSpec({ ...value, timezone: value.timezone ?? tz });
  } catch (error) {
    if (error instanceof SendWindowError)
      throw new ApiError('invalid_request', `window: ${error.message}`);
    throw error;
  }
}

/** Maps the schedule service's errors onto API errors. */
async function scheduleCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ScheduleError) {
      throw /^no such schedule/.test(error.message)
        ? new ApiError('not_found', error.message)
        : new ApiError('invalid_request', error.message);
    }
    throw error;
  }
}

/** `/v1/schedules`: recurring outreach runs (the CLI's `chatbatch schedule`). */
export function registerScheduleRoutes(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/v1/schedules',
    {
      schema: {
        tags: ['schedules'],
        summary: 'List recurring runs',
        response: { 200: z.object({ schedules: z.array(scheduleSchema) }), ...errors },
      },
    },
    async () => ({ schedules: await ctx.schedules.list() }),
  );

  app.post(
    '/v1/schedules',
    {
      schema: {
        tags: ['schedules'],
        summary:
          'Create or replace a recurring run; each firing ingests the stored CSV as a new batch',
        body: scheduleBodySchema,
        headers: idempotencyHeaders,
        response: { 201: scheduleSchema, ...errors, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const fingerprint = jsonBodyDigest(request) ?? NO_BODY_DIGEST;
      return answerIdempotently(ctx.idempotency, request, reply, {
        fingerprint: async () => fingerprint,
        async execute() {
          const body = request.body;
          const added = await scheduleCall(() =>
            ctx.schedules.add({
              name: body.name,
              cron: body.cron,
              tz: body.tz,
              csv: body.csv,
              agentId: body.agentId,
              window: windowOf(body.window, body.tz),
              windowGiven: body.window,
            }),
          );
          return { statusCode: 201, body: added, fingerprint };
        },
      });
    },
  );

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(
      `/v1/schedules/:name/${action}`,
      {
        schema: {
          tags: ['schedules'],
          summary: paused ? 'Stop firing (the definition is kept)' : 'Fire again',
          params: nameParams,
          response: { 200: scheduleSchema, ...errors },
        },
      },
      async (request) => scheduleCall(() => ctx.schedules.setPaused(request.params.name, paused)),
    );
  }

  app.delete(
    '/v1/schedules/:name',
    {
      schema: {
        tags: ['schedules'],
        summary: 'Delete a recurring run (the batches it created stay)',
        params: nameParams,
        response: { 200: z.object({ removed: z.string() }), ...errors },
      },
    },
    async (request) => {
      await scheduleCall(() => ctx.schedules.remove(request.params.name));
      return { removed: request.params.name };
    },
  );
}
