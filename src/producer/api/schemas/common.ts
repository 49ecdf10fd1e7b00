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
    }),
    turns: z.object({
      total: z.number().int(),
      pending: z.number().int(),
      completed: z.number().int(),
      failed: z.number().int(),
      skipped: z.number().int(),
      cancelled: z.number().int(),
      expired: z.number().int(),
    }),
    createdAt: z.string().nullable(),
    scheduledAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
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
    status: z.enum(['completed', 'failed', 'skipped', 'pending', 'cancelled', 'expired']),
    chatId: z.string().nullable(),
    previousChatId: z.string().nullable(),
    chatStatus: z.enum(['in-progress', 'ended', 'error']).nullable(),
    response: z.array(z.unknown()).nullable().describe("the vendor's response array"),
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
