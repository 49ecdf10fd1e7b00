import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../../shared/logger.js';
import { ApiError } from '../errors.js';
import { DEFAULT_CONSOLE_ROOT, loadConsoleAssets, type ConsoleAsset } from './console-assets.js';
import { setConsoleHeaders } from './security-headers.js';

/** URL prefix of the console's files; the page itself is `/`. */
export const CONSOLE_ASSET_PREFIX = '/console/';

export interface ConsoleOptions {
  /** Folder of the built console. Default: `dist/console` of this package. */
  root?: string;
  logger: Logger;
}

/**
 * The web console: `GET /` is its page, `GET /console/*` its scripts and styles, all open
 * (they hold no data; every data call of the page goes to /v1 with the bearer token), all with
 * the console's security headers. Files are read once at start and answered from memory.
 */
export function registerConsole(app: FastifyInstance, options: ConsoleOptions): void {
  const assets = loadConsoleAssets(options.root ?? DEFAULT_CONSOLE_ROOT);
  if (!assets) {
    options.logger.warn(
      { root: options.root ?? DEFAULT_CONSOLE_ROOT },
      'web console not built (run npm run build): / answers 404',
    );
  }
  const open = { public: true } as const;
  const hidden = { hide: true } as const;

  app.get('/', { config: open, schema: hidden }, async (request, reply) =>
    answer(request, reply, assets?.get('index.html')),
  );
  app.get(`${CONSOLE_ASSET_PREFIX}*`, { config: open, schema: hidden }, async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    return answer(request, reply, assets?.get(name));
  });
}

function answer(request: FastifyRequest, reply: FastifyReply, asset: ConsoleAsset | undefined) {
  setConsoleHeaders(reply);
  if (!asset) throw new ApiError('not_found', `no route GET ${request.url.split('?')[0]}`);
  // Revalidated on every load, so a new build is picked up at once; unchanged files answer 304.
  reply.header('cache-control', 'no-cache').header('etag', asset.etag);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.contentType).send(asset.body);
}
