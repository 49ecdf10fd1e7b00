import type { FaultKind } from './fault-spec.js';
import type { RandomSource } from './fault-picker.js';
import { randomChars } from './ids.js';

/** The chat status spellings the vendor is known to send (docs/reference/contract.md). */
export type ChatStatus = 'in-progress' | 'in_progress' | 'ended' | 'error';

/** Name the simulated agent reports in every success body. */
export const AGENT_NAME = 'Simulated Agent';

/**
 * What the simulator answers to one valid request. The simulator works out a default from the
 * fault mix and its options; a `script` hook may override any part of it.
 */
export interface Reply {
  /**
   * Fault to inject instead of the normal answer (see {@link FaultKind}); `null` forces a normal
   * answer even when the fault mix drew one.
   */
  readonly fault: FaultKind | null;
  /**
   * HTTP status when no fault applies. 2xx creates a chat and returns it; anything else answers a
   * JSON `{error, message}` body and creates nothing. Default 200 (or 201, see
   * `alternateSuccessCodes`).
   */
  readonly httpStatus: number;
  /** `status` in a 2xx body. Default `in-progress`, or `ended` once `endAfterTurns` is reached. */
  readonly chatStatus: ChatStatus;
  /** The assistant's message text. Default: about 100 characters quoting the input. */
  readonly content: string;
  /** Delay before answering, in milliseconds. Default `latencyMs` plus jitter. */
  readonly latencyMs: number;
}

/** Longest part of the input quoted in the default reply, in UTF-16 units. */
const QUOTE_UNITS = 40;

/** The default assistant message: quotes the input so tests can match answers to requests. */
export function replyContent(input: string): string {
  const quote = input.length > QUOTE_UNITS ? `${input.slice(0, QUOTE_UNITS)}…` : input;
  return `You said "${quote}". This is a simulated answer from the SigmaMind mock; all is well.`;
}

/** Fields of a success body that differ per request. */
export interface ChatBodyParts {
  readonly chatId: string;
  readonly chatStatus: ChatStatus;
  readonly content: string;
  readonly agentId: string;
}

/** The documented success body, as JSON text. An `error` chat carries no assistant message. */
export function chatBody(parts: ChatBodyParts): string {
  return JSON.stringify({
    chatId: parts.chatId,
    createdAt: new Date().toISOString(),
    status: parts.chatStatus,
    response:
      parts.chatStatus === 'error'
        ? []
        : [
            {
              id: `chat-item-${randomChars()}`,
              role: 'assistant',
              type: 'message',
              content: [parts.content],
            },
          ],
    agent: { name: AGENT_NAME, agentId: parts.agentId, status: 'active' },
  });
}

const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_error',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

/** A JSON `{error, message}` body for a non-2xx answer. */
export function errorBody(httpStatus: number, message: string): string {
  return JSON.stringify({ error: ERROR_CODES[httpStatus] ?? 'error', message });
}

/** Message of an error answer the simulator invents (fault or script), per status. */
export function faultMessage(httpStatus: number): string {
  if (httpStatus === 401) return 'Invalid API key';
  if (httpStatus === 422) return 'input: rejected by the simulator';
  if (httpStatus === 429) return 'Too many requests';
  return 'Simulated failure';
}

/**
 * Bodies a `malformed` fault sends with a 200: each breaks the documented shape differently, so a
 * client must check the shape, not just parse JSON.
 */
export function malformedBody(valid: string, random: RandomSource): string {
  const variants = [
    () => '{"ok":true}',
    () => valid.slice(0, Math.floor(valid.length / 2)), // truncated JSON
    () => '', // empty body
    () => valid.replace('"response":[', '"response":null,"items":['), // response not an array
    () => valid.replace(/"chatId":"[^"]*",/, ''), // chatId missing
  ];
  const index = Math.min(Math.floor(random() * variants.length), variants.length - 1);
  return (variants[index] as () => string)();
}
