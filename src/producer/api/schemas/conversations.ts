import { z } from 'zod';
import { CHAT_LIMITS } from '../../../vendor/chats-api.js';
import { batchIdParams, conversationStateSchema, turnRecordSchema } from './common.js';
import { conversationIdPathSchema } from './ids.js';
import { boundedVariablesSchema, sendableText } from './text.js';

export const conversationParams = z.object({
  batchId: batchIdParams.shape.batchId,
  conversationId: conversationIdPathSchema.describe(
    'conversation id (percent-encoded in the path)',
  ),
});

export const conversationViewSchema = z
  .object({
    batchId: z.string(),
    conversationId: z.string(),
    agentId: z.string(),
    status: conversationStateSchema,
    turns: z.array(turnRecordSchema),
  })
  .meta({ id: 'ConversationView' });

export const conversationListQuerySchema = z.object({
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("position in the batch's input order: 0, then the previous page's nextOffset"),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('conversations, 1–500'),
});

export const conversationListSchema = z
  .object({
    conversations: z.array(
      z.object({
        conversationId: z.string(),
        status: conversationStateSchema,
        turns: z.number().int().describe('turns of the conversation'),
      }),
    ),
    total: z.number().int().describe('conversations in the batch'),
    offset: z.number().int(),
    limit: z.number().int(),
    nextOffset: z
      .number()
      .int()
      .nullable()
      .describe('where the next page starts in the input order; null at the end'),
  })
  .meta({ id: 'ConversationList' });

/** One turn appended to a conversation: a single item, so its rules answer 400 at once. */
export const appendTurnSchema = z
  .strictObject({
    input: sendableText
      .trim()
      .min(1, 'must not be empty')
      .max(CHAT_LIMITS.inputMax, `longer than ${CHAT_LIMITS.inputMax} characters`)
      .describe("the customer's next message (1–20,480 characters)"),
    dynamicVariables: boundedVariablesSchema
      .nullish()
      .describe("this turn's variables, over the conversation's own"),
  })
  .meta({ id: 'AppendTurn' });
