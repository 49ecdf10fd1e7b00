import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import type { ChatRequest } from './chats-api.js';
import {
  classifyNetworkError,
  classifyResponse,
  mayHaveReachedVendor,
  type AttemptOutcome,
} from './chat-outcome.js';

export interface ChatsClientOptions {
  /** Vendor base URL; requests go to `{baseUrl}/v1/chats`. A trailing slash is ignored. */
  baseUrl: string;
  /** Sent as `X-API-Key`. Never logged, and scrubbed from every outcome message. */
  apiKey: string;
  /** Whole-attempt timeout (connect, headers and body), in ms. CHATBATCH_REQUEST_TIMEOUT_MS, default 30000. */
  timeoutMs: number;
  /** Keep-alive sockets in the pool; set it to the worker's concurrency so no turn waits for a socket. */
  connections: number;
  /** undici dispatcher to use instead of the built-in pool (tests: MockAgent). Its owner closes it. */
  dispatcher?: Dispatcher;
  /** Wall clock in epoch ms, only to read a `Retry-After` HTTP-date. Default `Date.now`. */
  now?: () => number;
}

/** An attempt's outcome, how long it took, and whether the vendor may have seen it. */
export type CreateChatResult = AttemptOutcome & {
  /** Wall time of the attempt in ms, from the monotonic clock (sub-ms resolution). */
  durationMs: number;
  /**
   * false only when the request provably never left (connection refused, DNS, TLS…). A retry
   * after `sent: true` and no recorded chatId may duplicate a chat upstream; counted, not hidden.
   */
  sent: boolean;
};

export interface ChatsClient {
  /** One attempt. Never throws for HTTP or network problems: they come back classified. */
  createChat(req: ChatRequest): Promise<CreateChatResult>;
  /** Closes the built-in pool after in-flight requests finish; an injected dispatcher is left open. */
  close(): Promise<void>;
}

const REDACTED = '[redacted]';

export function createChatsClient(options: ChatsClientOptions): ChatsClient {
  const { apiKey, timeoutMs, now = Date.now } = options;
  const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/v1/chats`);
  const origin = url.origin;
  const path = `${url.pathname}${url.search}`;
  const dispatcher =
    options.dispatcher ??
    new Pool(origin, {
      connections: options.connections,
      // One request per socket at a time: pipelining a non-idempotent POST risks losing it
      // behind a slow one, and buys nothing with a pool sized to our concurrency.
      pipelining: 1,
      // The per-attempt timeout is undici's own: no response headers within timeoutMs, or a
      // pause of timeoutMs inside the body. (A timer and an AbortController per request cost
      // ~7 µs of the hot path each time; undici's timers are shared.) An attempt can therefore
      // last up to twice timeoutMs for a body that trickles in; the worker's lease allows that.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: Math.min(timeoutMs, 10_000) },
    });
  const owned = options.dispatcher === undefined;
  // One frozen object for every request; undici copies headers and never mutates them.
  const headers = Object.freeze({ 'Content-Type': 'application/json', 'X-API-Key': apiKey });
  let closing: Promise<void> | undefined;

  const scrub = (text: string): string =>
    apiKey !== '' && text.includes(apiKey) ? text.replaceAll(apiKey, REDACTED) : text;

  async function createChat(req: ChatRequest): Promise<CreateChatResult> {
    const started = performance.now();
    let responded = false;
    let outcome: AttemptOutcome;
    let sent = true;
    try {
      const res = await dispatcher.request({
        origin,
        path,
        method: 'POST',
        headers,
        body: serialiseChatRequest(req),
      });
      responded = true;
      // Always read the body to the end: an unread body pins the socket and starves the pool.
      const text = await res.body.text();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      // Only error bodies can reach a message, so only they are scrubbed (the vendor may echo the key).
      outcome = classifyResponse(res.statusCode, res.headers, ok ? text : scrub(text), now());
    } catch (err) {
      outcome = classifyNetworkError(err);
      sent = responded || mayHaveReachedVendor(err);
    }
    if (outcome.kind !== 'success') outcome.message = scrub(outcome.message);
    return Object.assign(outcome, { durationMs: performance.now() - started, sent });
  }

  function close(): Promise<void> {
    if (!owned) return Promise.resolve();
    closing ??= dispatcher.close();
    return closing;
  }

  return { createChat, close };
}

/**
 * The exact body docs/reference/contract.md fixes: `{agentId, input, dynamicVariables?, previousChatId?}`,
 * in that key order, absent optional keys left out. The request is not re-validated here:
 * it was checked against `chatRequestSchema` when it entered the system.
 */
export function serialiseChatRequest(req: ChatRequest): string {
  const body: Record<string, unknown> = { agentId: req.agentId, input: req.input };
  if (req.dynamicVariables !== undefined) body['dynamicVariables'] = req.dynamicVariables;
  if (req.previousChatId !== undefined) body['previousChatId'] = req.previousChatId;
  return JSON.stringify(body);
}
