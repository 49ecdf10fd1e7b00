import { Agent, request } from 'undici';
import { AddressRefusedError, checkUrlHost } from './address-policy.js';
import { createSafeLookup, type Resolver } from './safe-lookup.js';

/** How one delivery attempt ended. */
export type AttemptResult =
  | { ok: true; status: number }
  | {
      ok: false;
      /** True when trying again cannot help (the address is refused): the event fails now. */
      permanent: boolean;
      /** For people and the failed-event record: never holds the secret or the body. */
      reason: string;
    };

export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult>;
  close(): Promise<void>;
}

/** Per attempt, in ms: connect, headers and the bounded body read together. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Most of a receiver's answer that is read (then the connection is dropped), in bytes. */
export const MAX_RESPONSE_BYTES = 16 * 1024;

function isRefusal(error: unknown): AddressRefusedError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof AddressRefusedError) return e;
  }
  return undefined;
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code;
  return code ? `connection error ${code}` : `connection error: ${e.message}`;
}

/**
 * Sends webhook deliveries: a POST of the exact body with the given headers, a 10 s limit on
 * the whole attempt, redirects never followed (a 3xx is an unsuccessful answer), at most
 * MAX_RESPONSE_BYTES of the answer read. Only 2xx counts as delivered.
 */
export function createWebhookSender(deps: {
  /** CHATBATCH_WEBHOOK_ALLOW_PRIVATE: deliver to private, loopback and link-local addresses. */
  allowPrivate: boolean;
  /** Name resolution (tests); default the OS resolver. */
  resolve?: Resolver;
  /** Per attempt, in ms. Default DELIVERY_TIMEOUT_MS. */
  timeoutMs?: number;
  userAgent?: string;
}): WebhookSender {
  const timeoutMs = deps.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const agent = new Agent({
    connect: {
      lookup: createSafeLookup({ allowPrivate: deps.allowPrivate, resolve: deps.resolve }),
      timeout: timeoutMs,
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4000,
  });
  const userAgent = deps.userAgent ?? 'chatbatch-webhooks';

  return {
    async send(url, headers, body) {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return { ok: false, permanent: true, reason: 'the webhook URL is not a URL' };
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        return { ok: false, permanent: true, reason: 'the webhook URL is not http(s)' };
      if (!deps.allowPrivate) {
        try {
          checkUrlHost(target);
        } catch (error) {
          if (error instanceof AddressRefusedError)
            return { ok: false, permanent: true, reason: error.message };
          throw error;
        }
      }
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const response = await request(target, {
          dispatcher: agent,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'user-agent': userAgent },
          body,
          signal,
        });
        let read = 0;
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) break; // leaving the loop destroys the body
        }
        const status = response.statusCode;
        if (status >= 200 && status < 300) return { ok: true, status };
        const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
        return { ok: false, permanent: false, reason: `HTTP ${status}${redirect}` };
      } catch (error) {
        const refused = isRefusal(error);
        if (refused) return { ok: false, permanent: true, reason: refused.message };
        if (signal.aborted)
          return { ok: false, permanent: false, reason: `timed out after ${timeoutMs} ms` };
        return { ok: false, permanent: false, reason: describe(error) };
      }
    },
    close: () => agent.close(),
  };
}
