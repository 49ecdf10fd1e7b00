import { z } from 'zod';
import { InstantError, parseInstant } from '../../../shared/instant.js';
import {
  parseSendWindow,
  sendWindowFromSpec,
  SendWindowError,
  type SendWindow,
} from '../../../shared/send-window.js';

/** An ISO-8601 time with a zone that names a real instant (src/shared/instant.ts), as ms. */
export const instantSchema = z
  .string()
  .transform((value, ctx) => {
    try {
      return parseInstant(value);
    } catch (error) {
      if (!(error instanceof InstantError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  })
  .meta({ type: 'string', format: 'date-time' });

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
