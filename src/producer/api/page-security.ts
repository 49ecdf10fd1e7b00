import type { FastifyInstance } from 'fastify';
import { isBrowserPage } from './auth.js';
import { setPageHeaders } from './console/security-headers.js';

/**
 * What the API's own browser pages (Swagger UI at /docs, bull-board at /admin/queues) may load:
 * their own scripts and styles only (both render inline styles; Swagger UI draws data: images),
 * talk to this origin only, and never be framed by another site (clickjacking: both pages sit
 * behind the API token). bull-board asks for Google Fonts: refused, it falls back to system fonts.
 */
export const BROWSER_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers on /docs and /admin/queues only (other routes answer JSON, or set their own). */
export function registerBrowserPageHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (isBrowserPage(request.url)) setPageHeaders(reply, BROWSER_PAGE_CSP);
    return payload;
  });
}
