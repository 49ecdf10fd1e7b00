import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where things are. The bench runs compiled (`bench/dist/bench/**.js`, see bench/tsconfig.json)
 * so that the baseline and the simulator run as plain `node`, exactly like the chatbatch CLI;
 * run through tsx it finds the .ts sources instead.
 */
const here = fileURLToPath(import.meta.url);
const compiled = here.endsWith('.js');

function findRoot(from: string): string {
  for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
  }
  throw new Error(`bench: no repository root above ${from}`);
}

/** The repository root (where package.json is). */
export const ROOT = findRoot(here);
/** The built chatbatch CLI, run as users run it. */
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
/** Where latest.json and profiles go. */
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** One of the bench's own programs: its file and the node flags it needs. */
export interface BenchProgram {
  script: string;
  execArgv: string[];
}

/** A bench program by its path under bench/ without extension (e.g. `baseline/worker`). */
export function benchProgram(name: string): BenchProgram {
  const benchDir = dirname(dirname(here)); // bench/ (or bench/dist/bench/ compiled)
  return compiled
    ? { script: join(benchDir, `${name}.js`), execArgv: [] }
    : { script: join(benchDir, `${name}.ts`), execArgv: ['--import', 'tsx'] };
}
