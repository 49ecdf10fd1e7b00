import { z } from 'zod';
import { CHAT_LIMITS } from '../../../vendor/chats-api.js';
import { batchIdParams, turnRecordSchema } from './common.js';
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
    status: z.enum(['pending', 'active', 'completed', 'ended', 'failed', 'cancelled', 'expired']),
    turns: z.array(turnRecordSchema),
  })
  .meta({ id: 'ConversationView' });

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
