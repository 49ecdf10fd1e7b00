import { z } from 'zod';
import { API_ERRORS, type ApiErrorCode } from '../errors.js';
import { BATCH_ID_RULE } from '../../../shared/records.js';
import { batchIdSchema } from './ids.js';

/**
 * Schemas shared by several routes: the error answer and the records of docs/reference/contract.md (the
 * `status --json` object and a `results --format jsonl` line). Registered with ids so the
 * OpenAPI document shows each once, as a component.
 */

export const issueSchema = z
  .object({
    code: z.string().describe('zod issue code, e.g. invalid_type'),
    path: z.array(z.union([z.string(), z.number()])).describe('where, e.g. ["conversations", 0]'),
    message: z.string(),
  })
  .meta({ id: 'Issue' });

export const errorSchema = z
  .object({
    error: z.enum(Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
    issues: z.array(issueSchema).optional(),
  })
  .meta({ id: 'Error', description: 'Every error answer; never a stack trace' });

/** A conversation's state (shared/records.ts ConversationState). */
export const conversationStateSchema = z.enum([
  'pending',
  'active',
  'completed',
  'ended',
  'failed',
  'cancelled',
  'expired',
  'suppressed',
]);

export const batchStatusSchema = z
  .object({
    batchId: z.string(),
    state: z.enum(['scheduled', 'running', 'paused', 'completed', 'cancelled']),
    conversations: z.object({
      total: z.number().int(),
      pending: z.number().int(),
      active: z.number().int(),
      completed: z.number().int(),
      ended: z.number().int(),
      failed: z.number().int(),
      cancelled: z.number().int(),
      expired: z.number().int(),
      suppressed: z.number().int().describe('stopped by a contact rule'),
    }),
    turns: z.object({
      total: z.number().int(),
      pending: z.number().int(),
      completed: z.number().int(),
      failed: z.number().int(),
      skipped: z.number().int(),
      cancelled: z.number().int(),
      expired: z.number().int(),
      suppressed: z.number().int().describe('not sent: a contact rule stopped them'),
    }),
    createdAt: z.string().nullable(),
    scheduledAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    priority: z.enum(['high', 'normal', 'low']).describe("the batch's lane"),
    weight: z.number().int().describe('its share within the lane (weight-1 batches = 1)'),
    pausedReason: z
      .string()
      .nullable()
      .optional()
      .describe(
        'why a paused batch is paused, in words, e.g. "the vendor refused the API key (401)" or "paused by an operator"; null when not paused',
      ),
    nextSendAt: z
      .string()
      .nullable()
      .optional()
      .describe(
        "when a waiting batch sends next (its scheduled start, or its send window's next opening in the window's zone); null when not waiting",
      ),
  })
  .meta({ id: 'BatchStatus', description: 'The `chatbatch status --json` object' });

export const turnRecordSchema = z
  .object({
    batchId: z.string(),
    conversationId: z.string(),
    turn: z.number().int(),
    line: z.number().int().nullable().describe('CSV line of the turn; null for JSON and appends'),
    agentId: z.string(),
    input: z.string(),
    status: z.enum([
      'completed',
      'failed',
      'skipped',
      'pending',
      'cancelled',
      'expired',
      'suppressed',
    ]),
    chatId: z.string().nullable(),
    previousChatId: z.string().nullable(),
    chatStatus: z.enum(['in-progress', 'ended', 'error']).nullable(),
    response: z.array(z.unknown()).nullable().describe("the vendor's response array"),
    reply: z
      .string()
      .nullable()
      .describe(
        "the agent's reply as plain text: the `content` strings of the assistant message items of `response`, in order, joined with a line break; null without a response",
      ),
    attempts: z.number().int(),
    error: z
      .object({ code: z.string(), httpStatus: z.number().int().nullable(), message: z.string() })
      .nullable(),
    completedAt: z.string().nullable(),
  })
  .meta({
    id: 'TurnRecord',
    description: 'One turn: a line of `chatbatch results --format jsonl`',
  });

export const batchIdParams = z.object({
  batchId: batchIdSchema.describe(`batch id (${BATCH_ID_RULE})`),
});

/** The usual error answers of a batch route. */
export const batchErrors = {
  401: errorSchema,
  404: errorSchema,
  503: errorSchema,
} as const;
