import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepoFile, repoPath } from './helpers/repo-files.js';

/**
 * What a new user's `npm ci` says: no EBADENGINE warnings on the Node versions we support, one
 * copy of bull-board, no dependency nothing imports, install scripts reviewed.
 */
interface LockPackage {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}
const pkg = JSON.parse(readRepoFile('package.json')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  overrides?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readRepoFile('package-lock.json')) as {
  packages: Record<string, LockPackage>;
};

/** `20.19.0` against npm's range forms used in engines fields: `>=x`, `^x.y.z`, `x`, `||`, AND-ed by spaces. */
function satisfies(version: string, range: string): boolean {
  const v = version.split('.').map(Number) as [number, number, number];
  const compare = (other: number[]) => {
    for (let i = 0; i < 3; i++) {
      const d = v[i]! - (other[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };
  // `x` and `*` parts are wildcards: `10.x` is 10.0.0 and up within 10.
  const parse = (text: string) =>
    text
      .replace(/^v/, '')
      .split('.')
      .filter((part) => !/^[xX*]$/.test(part))
      .map(Number);
  return range.split('||').some((alternative) =>
    alternative
      .replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .every((comparator) => {
        const match = /^(>=|<=|>|<|\^|~|=)?(.+)$/.exec(comparator)!;
        const [, op = '', rest = ''] = match;
        if (rest === '*') return true;
        const target = parse(rest);
        const c = compare(target);
        switch (op) {
          case '>=':
            return c >= 0;
          case '>':
            return c > 0;
          case '<=':
            return c <= 0;
          case '<':
            return c < 0;
          case '^':
            return c >= 0 && v[0] === target[0];
          case '~':
            return c >= 0 && v[0] === target[0] && v[1] === target[1];
          default:
            // `20` means 20.x.x; `20.1` means 20.1.x.
            return target.every((part, i) => v[i] === part);
        }
      }),
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('dependencies', () => {
  it('declare Node 20.19 as the floor (require(esm), vite and rolldown need it)', () => {
    expect(pkg.engines.node).toBe('>=20.19');
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.1', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.19.0', '>=22')).toBe(false);
    expect(satisfies('20.19.0', '18 || 20 || >=22')).toBe(true);
    expect(satisfies('20.19.0', '>= 10.x')).toBe(true);
    expect(satisfies('22.13.0', '^20.19.0 || ^22.13.0 || >=24')).toBe(true);
  });

  it('every installed package runs, by its own engines field, on Node 20.19 and 22.13', () => {
    const refused: string[] = [];
    for (const [path, info] of Object.entries(lock.packages)) {
      const range = Array.isArray(info.engines) ? undefined : info.engines?.node;
      if (!path || range === undefined) continue;
      for (const node of ['20.19.0', '22.13.0']) {
        if (!satisfies(node, range))
          refused.push(`${path}@${info.version} wants ${range} (${node})`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('hold one copy of bull-board (its fastify adapter pins the api version)', () => {
    const copies = (name: string) =>
      Object.keys(lock.packages).filter((path) => path.endsWith(`node_modules/${name}`));
    expect(copies('@bull-board/api')).toEqual(['node_modules/@bull-board/api']);
    expect(copies('@bull-board/ui')).toEqual(['node_modules/@bull-board/ui']);
    const fastifyAdapter = lock.packages['node_modules/@bull-board/fastify'] as LockPackage & {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['@bull-board/api']).toBe(
      fastifyAdapter.dependencies['@bull-board/api'],
    );
  });

  it('lists only dependencies that the code imports', () => {
    const code = sourceFiles(repoPath('src'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const unused = Object.keys(pkg.dependencies).filter(
      (name) => !code.includes(`from '${name}'`) && !code.includes(`from '${name}/`),
    );
    expect(unused).toEqual([]);
  });

  it('has reviewed the install scripts npm asks about', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, info]) => path && (info as { hasInstallScript?: boolean }).hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(pkg.allowScripts, name).toHaveProperty(name);
  });
});
