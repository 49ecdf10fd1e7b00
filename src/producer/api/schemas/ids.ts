import { z } from 'zod';
import {
  BATCH_ID_PATTERN,
  BATCH_ID_RULE,
  CONVERSATION_ID_MAX_LENGTH,
} from '../../../shared/records.js';

/**
 * Ids that name Redis keys, checked with the same rule wherever they come in: the body that
 * creates them and the URL paths that read them. A path id outside the rule cannot name a
 * batch, and letting it through would let `b1:order` read the batch's order list or
 * `ids1:a` + `b` reach conversation `a:b` of batch `ids1`.
 */
export const batchIdSchema = z.string().regex(BATCH_ID_PATTERN, `must be ${BATCH_ID_RULE}`);

export const conversationIdPathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(CONVERSATION_ID_MAX_LENGTH, `longer than ${CONVERSATION_ID_MAX_LENGTH} characters`);
