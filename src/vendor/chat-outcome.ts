import { chatResponseSchema, normaliseChatStatus, readChatResponse } from './chats-api.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * The classified result of one attempt (docs/reference/contract.md, "Outcomes of an attempt"). The `kind`
 * alone decides what happens next: record the turn, retry it, or fail it at once.
 * `code` is short snake_case and bounded (`http_<status>`, `timeout`, `network`,
 * `malformed_response`, `vendor_error_status`); `message` is for humans and never holds the
 * API key or request headers, at most a 200-character excerpt of the vendor's error body.
 */
export type AttemptOutcome = SuccessOutcome | RetryOutcome | FailOutcome;

export interface SuccessOutcome {
  kind: 'success';
  httpStatus: number;
  chatId: string;
  chatStatus: 'in-progress' | 'ended';
  /** The vendor's `response` array, as returned. */
  response: unknown[];
  createdAt?: string;
}

export interface RetryOutcome {
  kind: 'retry';
  /** `rate-limited` (429) should slow every worker; `transient` only this turn. */
  reason: 'rate-limited' | 'transient';
  code: string;
  /** null when no response arrived (timeouts, connection errors). */
  httpStatus: number | null;
  message: string;
  /** The vendor's `Retry-After`, in ms from the response, capped at one hour. */
  retryAfterMs?: number;
}

export interface FailOutcome {
  kind: 'fail';
  code: string;
  httpStatus: number;
  message: string;
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Statuses that say "not now" rather than "never". Every other non-2xx fails the turn. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([
  408, 409, 425, 429, 500, 502, 503, 504,
]);

const EXCERPT_MAX = 200;

/**
 * Classifies a response that arrived. Pure: `now` (epoch ms) is only used to turn a
 * `Retry-After` HTTP-date into a delay.
 */
export function classifyResponse(
  httpStatus: number,
  headers: ResponseHeaders,
  bodyText: string,
  now: number,
): AttemptOutcome {
  if (httpStatus >= 200 && httpStatus < 300) return classifySuccessBody(httpStatus, bodyText);
  const code = `http_${httpStatus}`;
  const body = excerpt(bodyText);
  const message = body ? `HTTP ${httpStatus}: ${body}` : `HTTP ${httpStatus}`;
  if (!RETRYABLE_STATUSES.has(httpStatus)) return { kind: 'fail', code, httpStatus, message };
  const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), now);
  return {
    kind: 'retry',
    reason: httpStatus === 429 ? 'rate-limited' : 'transient',
    code,
    httpStatus,
    message,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

function classifySuccessBody(httpStatus: number, bodyText: string): AttemptOutcome {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return malformed(httpStatus, 'body is not JSON');
  }
  let reply = readChatResponse(json);
  if (!reply) {
    const parsed = chatResponseSchema.safeParse(json);
    if (!parsed.success) {
      // The path and rule only: the body may hold customer data and belongs in no error message.
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join('.') : 'body';
      return malformed(httpStatus, `${where}: ${issue?.message ?? 'invalid'}`);
    }
    reply = parsed.data;
  }
  const { chatId, status, response, createdAt } = reply;
  if (status === 'error') {
    return {
      kind: 'retry',
      reason: 'transient',
      code: 'vendor_error_status',
      httpStatus,
      message: `HTTP ${httpStatus} with chat status "error" (chat ${excerpt(chatId, 128)})`,
    };
  }
  const outcome: SuccessOutcome = {
    kind: 'success',
    httpStatus,
    chatId,
    chatStatus: normaliseChatStatus(status),
    response,
  };
  if (typeof createdAt === 'string') outcome.createdAt = createdAt;
  return outcome;
}

function malformed(httpStatus: number, why: string): RetryOutcome {
  return {
    kind: 'retry',
    reason: 'transient',
    code: 'malformed_response',
    httpStatus,
    message: excerpt(`HTTP ${httpStatus} with a body that is not the documented shape: ${why}`),
  };
}

/**
 * Classifies a request that got no usable response. Everything here is retried: timeouts
 * as `timeout`, anything else (refused, reset, DNS, TLS…) as `network`; the attempt limit
 * bounds the ones that will never heal.
 */
export function classifyNetworkError(err: unknown): RetryOutcome {
  const timeout = errorChain(err).some(
    (e) => e.name === 'TimeoutError' || (e.code !== undefined && TIMEOUT_CODES.has(e.code)),
  );
  return {
    kind: 'retry',
    reason: 'transient',
    code: timeout ? 'timeout' : 'network',
    httpStatus: null,
    message: excerpt(`${timeout ? 'timeout' : 'network error'}: ${describeError(err)}`),
  };
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

// Failures that happen before a byte of the request is written: the vendor cannot have seen it.
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_INVALID_ARG',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/**
 * Whether a failed request may have reached the vendor, i.e. may have created a chat we will
 * never learn the id of. Only errors known to happen before the request is written say no;
 * when unsure (resets, timeouts) the answer is yes, so possible duplicates are over-counted,
 * never hidden.
 */
export function mayHaveReachedVendor(err: unknown): boolean {
  const first = errorChain(err)[0];
  if (first?.code !== undefined && NOT_SENT_CODES.has(first.code)) return false;
  // Happy-eyeballs connects fail with an AggregateError of one error per address tried.
  if (err instanceof AggregateError && err.errors.length > 0) {
    return !err.errors.every((e) => {
      const code = (e as { code?: unknown } | null)?.code;
      return typeof code === 'string' && NOT_SENT_CODES.has(code);
    });
  }
  return true;
}

/** The `status_code` label of `chatbatch_chat_requests_total`: `200`, `429`, `timeout`, `network`. */
export function metricStatusCode(outcome: AttemptOutcome): string {
  if (outcome.kind === 'retry' && outcome.httpStatus === null) return outcome.code;
  return String(outcome.httpStatus);
}

interface ErrorLink {
  name: string | undefined;
  code: string | undefined;
  message: string | undefined;
}

/** The error and its `cause`s (undici and fetch wrap the socket error), at most 5 deep. */
function errorChain(err: unknown): ErrorLink[] {
  const chain: ErrorLink[] = [];
  let current: unknown = err;
  while (typeof current === 'object' && current !== null && chain.length < 5) {
    const e = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    chain.push({
      name: typeof e.name === 'string' ? e.name : undefined,
      code: typeof e.code === 'string' ? e.code : undefined,
      message: typeof e.message === 'string' ? e.message : undefined,
    });
    current = e.cause;
  }
  return chain;
}

function describeError(err: unknown): string {
  const chain = errorChain(err);
  if (chain.length === 0) return String(err);
  return chain.map((e) => [e.code ?? e.name, e.message].filter(Boolean).join(': ')).join(' <- ');
}

function header(headers: ResponseHeaders, name: string): string | undefined {
  // undici lower-cases names; the scan is for hand-built headers and runs only on retries.
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : headers[key];
  }
  return Array.isArray(value) ? value[0] : value;
}

// Folding control characters (and so log-injection newlines) into spaces is the point here.
// eslint-disable-next-line no-control-regex
const CONTROL_RUNS = /[\s\u0000-\u001f\u007f]+/g;

/** One line, control characters folded to spaces, at most `max` characters. */
function excerpt(text: string, max = EXCERPT_MAX): string {
  const flat = text
    .slice(0, max * 4)
    .replace(CONTROL_RUNS, ' ')
    .trim();
  if (flat.length <= max) return flat;
  let cut = flat.slice(0, max - 1);
  // Never end on half a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
