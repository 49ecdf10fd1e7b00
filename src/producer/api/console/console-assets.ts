import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the built console, held in memory (the whole console is a few tens of KB). */
export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  /** Strong ETag of the body, for conditional requests. */
  etag: string;
}

/**
 * Where `npm run build` puts the console (tsconfig.console.json, scripts/copy-console-assets.mjs).
 * From src/producer/api/console/ and from dist/producer/api/console/ alike, four levels up is the
 * package root, so tests that run the sources serve the same built files.
 */
export const DEFAULT_CONSOLE_ROOT = fileURLToPath(
  new URL('../../../../dist/console/', import.meta.url),
);

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Reads every servable file under `root` once, keyed by its path relative to `root` with `/`
 * separators (`index.html`, `pages/batch.js`). Only known types are served: nothing else that
 * may lie in the folder (source maps, notes) leaves it. Returns undefined when the console is not
 * built.
 */
export function loadConsoleAssets(root: string): Map<string, ConsoleAsset> | undefined {
  if (!existsSync(path.join(root, 'index.html'))) return undefined;
  const assets = new Map<string, ConsoleAsset>();
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) {
        visit(full);
        continue;
      }
      const contentType = CONTENT_TYPES[path.extname(name)];
      if (!contentType) continue;
      const body = readFileSync(full);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      assets.set(path.relative(root, full).split(path.sep).join('/'), { body, contentType, etag });
    }
  };
  visit(root);
  return assets;
}
