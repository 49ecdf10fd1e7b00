import { z } from 'zod';
import { CONTROL_ACTIONS } from '../../batch-control.js';
import { delimiterFromName } from '../../csv/index.js';
import { BATCH_ID_RULE } from '../../../shared/records.js';
import { batchIdSchema } from './ids.js';
import { sendableText } from './text.js';
import { batchStatusSchema } from './common.js';
import { dynamicVariablesSchema } from './variables.js';
import { scheduleJsonFields, scheduleQueryFields } from './schedule-options.js';
import { frequencyCapSchema } from './contact-rules.js';
import { laneJsonFields, laneQueryFields } from './lane-options.js';
import { webhookJsonFields, webhookQueryFields } from './webhook-options.js';

/**
 * Types only: a body of the wrong shape is a 400 for the whole request. The content rules (an
 * empty input, an agent id too long, an unknown time zone…) are those of CSV rows and reject one
 * conversation in the 202 report, as a bad row does (see json-conversations.ts).
 */

const batchId = batchIdSchema.describe(`batch id, ${BATCH_ID_RULE}; default: a new random id`);

const queryBoolean = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

/** A cell separator as a user names it (`;`, `\t`, `tab`…), as the character. */
const delimiterSchema = z.string().transform((value, ctx) => {
  try {
    return delimiterFromName(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const agentIdDescription = 'agent for conversations that name none (1–64 characters)';

/** Batch options as query parameters (CSV bodies; for JSON the body's fields win). */
export const submitQuerySchema = z.object({
  batchId: batchId.optional(),
  agentId: sendableText.optional().describe(agentIdDescription),
  delimiter: delimiterSchema
    .optional()
    .describe(
      'CSV cell separator: one character, or \\t, tab, comma, semicolon, pipe; default: detected from the header line (`,` `;` tab `|`)',
    ),
  strict: queryBoolean.optional().describe('enqueue nothing if any conversation is rejected'),
  dryRun: queryBoolean.optional().describe('validate and report, enqueue nothing'),
  frequencyCap: frequencyCapSchema.optional(),
  ...laneQueryFields,
  ...scheduleQueryFields,
  ...webhookQueryFields,
});
export type SubmitQuery = z.infer<typeof submitQuerySchema>;

const optionalText = (description: string) => z.string().nullish().describe(description);

export const jsonConversationSchema = z
  .strictObject({
    conversationId: optionalText(
      'unique in the batch, at most 256 characters; default `conv-<index>`, so that ' +
        'sending the same body to the same batch again adds nothing',
    ),
    agentId: optionalText("this conversation's agent; default: the batch's agentId"),
    dynamicVariables: dynamicVariablesSchema.nullish(),
    previousChatId: optionalText('continue this existing chat (at most 128 characters)'),
    timezone: optionalText('IANA time zone of the recipient, e.g. Europe/Paris'),
    recipientId: optionalText(
      'the person this conversation reaches (phone, email, CRM id; at most 256 characters), ' +
        'for the contact rules; never sent to the vendor',
    ),
    turns: z
      .array(z.string())
      .describe('the customer messages, in order (each 1–20,480 characters)'),
  })
  .meta({ id: 'Conversation' });

export const submitJsonSchema = z
  .strictObject({
    batchId: batchId.nullish(),
    agentId: sendableText.nullish().describe(agentIdDescription),
    strict: z.boolean().nullish().describe('enqueue nothing if any conversation is rejected'),
    dryRun: z.boolean().nullish().describe('validate and report, enqueue nothing'),
    frequencyCap: frequencyCapSchema.nullish(),
    ...laneJsonFields,
    ...scheduleJsonFields,
    ...webhookJsonFields,
    conversations: z.array(jsonConversationSchema).min(1),
  })
  .meta({ id: 'BatchSubmission' });
export type SubmitJson = z.infer<typeof submitJsonSchema>;

/** The multipart form: option fields first, then the file (documentation only). */
export const submitMultipartDoc = {
  type: 'object',
  required: ['file'],
  properties: {
    batchId: { type: 'string' },
    agentId: { type: 'string' },
    delimiter: { type: 'string', description: 'default: detected from the header line' },
    strict: { type: 'string', enum: ['true', 'false'] },
    dryRun: { type: 'string', enum: ['true', 'false'] },
    frequencyCap: { type: 'string', description: 'e.g. "1/7d", or "none"' },
    priority: { type: 'string', enum: ['high', 'normal', 'low'] },
    weight: { type: 'string', description: '1-100' },
    scheduleAt: { type: 'string', format: 'date-time' },
    expireAt: { type: 'string', format: 'date-time' },
    window: { type: 'string', description: 'e.g. "mon-fri 09:00-18:00 Europe/Berlin"' },
    webhookUrl: { type: 'string', format: 'uri' },
    webhookEvents: { type: 'string', description: 'opt-in events, e.g. "conversation.finished"' },
    file: { type: 'string', format: 'binary', description: 'the CSV file, after the fields' },
  },
} as const;

export const ingestReportSchema = z
  .object({
    batchId: z.string(),
    conversations: z.number().int().describe('distinct conversations in the input'),
    turns: z.number().int().describe('turns of the accepted conversations'),
    accepted: z.number().int(),
    rejected: z.number().int(),
    duplicates: z.number().int().describe('conversations the batch held already'),
    rejectedRows: z
      .array(
        z.object({
          line: z.number().int().nullable().describe('CSV: line where the record starts'),
          index: z.number().int().optional().describe('JSON: index of the conversation'),
          conversationId: z.string(),
          errors: z.array(z.string()),
        }),
      )
      .describe('the first 1,000 rejected rows, in input order'),
    rejectedRowsOmitted: z
      .number()
      .int()
      .optional()
      .describe('rejected rows past the first 1,000; present only when some were left out'),
    rejectedErrorCounts: z
      .record(z.string(), z.number().int())
      .optional()
      .describe('the omitted rows by error message (at most 100 messages, then "(other errors)")'),
    discarded: z.boolean().describe('nothing was enqueued: dryRun, or strict with a rejection'),
    delimiter: z
      .string()
      .optional()
      .describe('CSV: the cell separator used (detected from the header line unless given)'),
    warnings: z
      .array(z.string())
      .optional()
      .describe(
        'what rejected nothing but is worth a look, e.g. a header naming a column almost like a reserved one',
      ),
  })
  .meta({ id: 'IngestReport' });

export const listQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const batchListSchema = z.object({
  batches: z.array(batchStatusSchema).describe('newest first'),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  nextOffset: z.number().int().nullable().describe('offset of the next page; null at the end'),
});

export const controlResultSchema = z
  .object({
    action: z.enum(CONTROL_ACTIONS as [string, ...string[]]),
    changed: z.boolean(),
    conversations: z.number().int().describe('conversations cancelled, resumed or retried'),
    status: batchStatusSchema,
  })
  .meta({ id: 'ControlResult' });

export const resultsQuerySchema = z.object({
  format: z.enum(['jsonl', 'csv']).default('jsonl'),
  delimiter: delimiterSchema
    .optional()
    .describe('CSV cell separator: one character, or \\t, tab, semicolon, pipe; default ","'),
  bom: queryBoolean
    .optional()
    .describe('CSV: start with a UTF-8 byte order mark (Excel on Windows)'),
});
