import type { FastifyReply } from 'fastify';

/**
 * The console's Content-Security-Policy: its own scripts, styles and images only, no inline script
 * or style (the pages set no `style` attribute), data calls to its own origin, never framed.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The headers of any browser page the API serves: its policy, never framed (clickjacking: every
 * page sits behind the API token), no type sniffing, no referrer.
 */
export function setPageHeaders(reply: FastifyReply, csp: string): FastifyReply {
  return reply
    .header('content-security-policy', csp)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
}

/** Headers of every console answer (its pages and files; the /v1 API is not a page). */
export function setConsoleHeaders(reply: FastifyReply): void {
  setPageHeaders(reply, CONSOLE_CSP).header('cross-origin-opener-policy', 'same-origin');
}
