import { z } from 'zod';
import {
  OPT_IN_EVENT_TYPES,
  parseOptInEvents,
  webhookUrlProblem,
} from '../../../shared/webhook-settings.js';

const webhookUrl = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = webhookUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe(
    "http(s) URL that receives the batch's signed webhook events; default CHATBATCH_WEBHOOK_URL",
  );

const eventsDescription =
  'opt-in webhook events besides the batch events (always sent): conversation.finished';

/** As query parameters and form fields: the events comma-separated. */
export const webhookQueryFields = {
  webhookUrl: webhookUrl.optional(),
  webhookEvents: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseOptInEvents(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional()
    .describe(`${eventsDescription} (comma-separated)`),
};

/** In a JSON body: the events as an array. */
export const webhookJsonFields = {
  webhookUrl: webhookUrl.nullish(),
  webhookEvents: z.array(z.enum(OPT_IN_EVENT_TYPES)).nullish().describe(eventsDescription),
};
