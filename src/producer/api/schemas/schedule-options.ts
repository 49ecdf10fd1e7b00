import { z } from 'zod';
import {
  parseSendWindow,
  sendWindowFromSpec,
  SendWindowError,
  type SendWindow,
} from '../../../shared/send-window.js';

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 time with a zone, as ms since the epoch. */
export const instantSchema = z
  .string()
  .regex(ISO_WITH_ZONE, 'must be an ISO-8601 time with a zone, e.g. 2026-12-01T09:00:00+01:00')
  .transform((value) => Date.parse(value));

function windowFrom(parse: () => SendWindow, ctx: z.RefinementCtx): SendWindow {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof SendWindowError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
    return z.NEVER;
  }
}

/** The CLI's text form, for query parameters and form fields: `mon-fri 09:00-18:00 Europe/Berlin`. */
export const windowTextSchema = z
  .string()
  .transform((text, ctx) => windowFrom(() => parseSendWindow(text), ctx))
  .describe('send window "DAYS HH:MM-HH:MM [ZONE]", e.g. "mon-fri 09:00-18:00 Europe/Berlin"');

export const windowObjectShape = z.strictObject({
  days: z.string().describe('weekdays: mon,tue,… or ranges like mon-fri'),
  start: z.string().describe('local opening time, HH:MM (inclusive)'),
  end: z.string().describe('local closing time, HH:MM (exclusive, after start)'),
  timezone: z
    .string()
    .optional()
    .describe('zone for recipients without their own timezone; default UTC'),
});

/**
 * The JSON form: the object, or the CLI's text. One union of shapes with one transform, so the
 * answer names the rule that failed (a union of transforms would only say "invalid input").
 */
export const windowSchema = z
  .union([windowObjectShape, z.string()])
  .transform((value, ctx) =>
    windowFrom(
      () =>
        typeof value === 'string'
          ? parseSendWindow(value)
          : sendWindowFromSpec({ ...value, timezone: value.timezone ?? 'UTC' }),
      ctx,
    ),
  )
  .describe('send window: {days, start, end, timezone} or "mon-fri 09:00-18:00 Europe/Berlin"');

export const scheduleQueryFields = {
  scheduleAt: instantSchema
    .optional()
    .describe('send nothing before this time (ISO-8601 with zone)'),
  expireAt: instantSchema.optional().describe('turns not sent by this time become expired'),
  window: windowTextSchema.optional(),
};

export const scheduleJsonFields = {
  scheduleAt: instantSchema
    .nullish()
    .describe('send nothing before this time (ISO-8601 with zone)'),
  expireAt: instantSchema.nullish().describe('turns not sent by this time become expired'),
  window: windowSchema.nullish(),
};
