// Prepares dist/console for the web console's build: empties it (no stale script of an older
// build is served), then copies the static files; `tsc -p tsconfig.console.json` adds the scripts.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const source = fileURLToPath(new URL('../src/console/', import.meta.url));
const target = fileURLToPath(new URL('../dist/console/', import.meta.url));
const STATIC_FILES = ['index.html', 'style.css', 'favicon.svg'];

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const name of STATIC_FILES) copyFileSync(source + name, target + name);
