import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/**
 * Bearer-token auth against CHATBATCH_API_TOKENS. Tokens are compared as SHA-256 digests with
 * `timingSafeEqual`, against every configured token without stopping at a match: the time taken
 * says nothing about how much of a token was right, nor which one matched, nor their lengths.
 */
export function createTokenVerifier(tokens: readonly string[]): (presented: string) => boolean {
  const digests = tokens.map(sha256);
  return (presented) => {
    const candidate = sha256(presented);
    let ok = false;
    for (const digest of digests) ok = timingSafeEqual(digest, candidate) || ok;
    return ok;
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Browser pages (the OpenAPI UI, the queue dashboard) cannot send a bearer header, so there the
 * token is also accepted as the password of HTTP Basic auth, which makes browsers ask for it.
 */
const BROWSER_PAGES = ['/docs', '/admin/queues'];

export function isBrowserPage(url: string): boolean {
  const path = url.split('?')[0]!;
  return BROWSER_PAGES.some((page) => path === page || path.startsWith(`${page}/`));
}

/** The token a request presents, or undefined. */
export function presentedToken(
  authorization: string | undefined,
  allowBasic: boolean,
): string | undefined {
  if (!authorization) return undefined;
  const space = authorization.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme === 'basic' && allowBasic) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/**
 * The auth check of every request: routes marked `config: { public: true }` (health, readiness,
 * metrics) are open; everything else, unknown paths included, needs a token. Returns the 401 to
 * answer, or undefined. The 401 names neither the token nor why it was refused.
 */
export function createAuthCheck(tokens: readonly string[]) {
  const verify = createTokenVerifier(tokens);
  return (request: FastifyRequest, reply: FastifyReply): ApiError | undefined => {
    if (request.routeOptions.config?.public) return undefined;
    const browser = isBrowserPage(request.url);
    const token = presentedToken(request.headers.authorization, browser);
    if (token !== undefined && verify(token)) return undefined;
    reply.header(
      'www-authenticate',
      browser ? 'Basic realm="chatbatch", charset="UTF-8"' : 'Bearer realm="chatbatch"',
    );
    return new ApiError(
      'unauthorized',
      token === undefined
        ? 'missing bearer token: send Authorization: Bearer <token>'
        : 'invalid bearer token',
    );
  };
}
