import type { ConversationState } from '../../../shared/records.js';
import { jsonBodyDigest, NO_BODY_DIGEST } from '../content-parsers.js';
import type { ApiContext, ZodApp } from '../context.js';
import { continueConversation, conversationNotFound } from '../continue-conversation.js';
import { batchNotFound } from '../errors.js';
import { answerIdempotently } from '../idempotency/idempotent-answer.js';
import { batchIdParams, errorSchema, turnRecordSchema } from '../schemas/common.js';
import {
  appendTurnSchema,
  conversationListQuerySchema,
  conversationListSchema,
  conversationParams,
  conversationViewSchema,
} from '../schemas/conversations.js';
import { idempotencyHeaders } from './shared.js';

const APPEND_DESCRIPTION = `Adds the customer's next message as a new turn. It continues from the chatId
of the turn before it and is sent after every turn of the conversation still pending or in flight:
turns appended together are sent one after the other, in the order they were accepted. A
conversation that had completed starts again. 409 when the conversation is cancelled, failed (retry
it first), expired, or ended by the agent.`;

const LIST_DESCRIPTION = `The batch's conversations in input order (where each one's first turn is), with
their state and number of turns. \`offset\` is a position in the batch's input order, which has
one entry per turn: start at 0 and pass the \`nextOffset\` of each page to get the next one. A page
reads a bounded part of the order, so it may hold fewer than \`limit\` conversations and still
have a \`nextOffset\`.`;

/** A batch's conversations; one conversation: read it, or continue it with a new turn. */
export function registerConversationRoutes(app: ZodApp, ctx: ApiContext): void {
  app.get(
    '/v1/batches/:batchId/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: "List a batch's conversations, in input order, paginated",
        description: LIST_DESCRIPTION,
        params: batchIdParams,
        querystring: conversationListQuerySchema,
        response: {
          200: conversationListSchema,
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request) => {
      const { batchId } = request.params;
      const { offset, limit } = request.query;
      const status = await ctx.batchStore.status(batchId);
      if (!status) throw batchNotFound(batchId);
      const page = await ctx.batchStore.conversations(batchId, offset, limit);
      return {
        conversations: page.conversations.map((c) => ({
          ...c,
          status: c.status as ConversationState,
        })),
        total: status.conversations.total,
        offset,
        limit,
        nextOffset: page.nextOffset,
      };
    },
  );

  app.get(
    '/v1/batches/:batchId/conversations/:conversationId',
    {
      schema: {
        tags: ['conversations'],
        summary: 'A conversation and all its turns (each a results record)',
        params: conversationParams,
        response: {
          200: conversationViewSchema,
          401: errorSchema,
          404: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request) => {
      const { batchId, conversationId } = request.params;
      const view = await ctx.batchStore.conversation(batchId, conversationId);
      if (view) return { ...view, status: view.status as ConversationState };
      if (!(await ctx.batchStore.status(batchId))) throw batchNotFound(batchId);
      throw conversationNotFound(batchId, conversationId);
    },
  );

  app.post(
    '/v1/batches/:batchId/conversations/:conversationId/turns',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Continue a conversation with a new customer message',
        description: APPEND_DESCRIPTION,
        params: conversationParams,
        headers: idempotencyHeaders,
        body: appendTurnSchema,
        response: {
          202: turnRecordSchema,
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          409: errorSchema,
          413: errorSchema,
          415: errorSchema,
          422: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { batchId, conversationId } = request.params;
      const fingerprint = jsonBodyDigest(request) ?? NO_BODY_DIGEST;
      return answerIdempotently(ctx.idempotency, request, reply, {
        fingerprint: async () => fingerprint,
        async execute() {
          const { input, dynamicVariables } = request.body;
          const record = await continueConversation(ctx, batchId, conversationId, {
            input,
            ...(dynamicVariables ? { variables: dynamicVariables } : {}),
          });
          request.log.info({ batchId, conversationId, turn: record.turn }, 'turn appended');
          return { statusCode: 202, body: record, fingerprint };
        },
      });
    },
  );
}
