import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  commandOf,
  environment,
  healthcheckTest,
  loadCompose,
  mounts,
  service,
} from './helpers/compose-model.js';
import { readRepoFile, readRepoYaml, repoPath } from './helpers/repo-files.js';

const SERVICES = ['redis', 'api', 'worker', 'mock-api', 'prometheus', 'grafana'];
/** Services that run someone else's image; every other one is built from our Dockerfile. */
const THIRD_PARTY = { redis: /^redis:7/, prometheus: /^prom\/prometheus:/, grafana: /^grafana\// };

describe('docker-compose.yml', () => {
  const compose = loadCompose();

  it('names every service of the deployment', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(SERVICES));
  });

  it('builds every chatbatch image from the repository Dockerfile', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      const pattern = THIRD_PARTY[name as keyof typeof THIRD_PARTY];
      if (pattern) {
        expect(svc.build, name).toBeUndefined();
        expect(svc.image, name).toMatch(pattern);
        continue;
      }
      expect(svc.build, `${name} has no build`).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    }
    expect(existsSync(repoPath('Dockerfile'))).toBe(true);
  });

  it('the worker scales: no container_name, no host port, metrics on the port Prometheus asks', () => {
    const worker = service(compose, 'worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(commandOf(worker)).toEqual(['worker']);
    expect(environment(worker).METRICS_PORT).toBe('9464');
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.container_name, name).toBeUndefined();
    }
  });

  it('the vendor URL and key come from the environment, the simulator by default', () => {
    const env = environment(service(compose, 'worker'));
    expect(env.SIGMAMIND_BASE_URL).toBe('${SIGMAMIND_BASE_URL:-http://mock-api:4010}');
    expect(env.SIGMAMIND_API_KEY).toMatch(/^\$\{SIGMAMIND_API_KEY:-[^}]+\}$/);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    const mock = commandOf(service(compose, 'mock-api'));
    expect(mock.slice(0, 5)).toEqual(['mock-api', '--host', '0.0.0.0', '--port', '4010']);
  });

  it('the api takes its tokens from the environment', () => {
    const api = service(compose, 'api');
    expect(commandOf(api)[0]).toBe('api');
    expect(environment(api).CHATBATCH_API_TOKENS).toMatch(/^\$\{CHATBATCH_API_TOKENS[:?-]/);
    expect(environment(api).REDIS_URL).toBe('redis://redis:6379');
  });

  it('redis keeps its data: AOF on, noeviction, a volume', () => {
    const redis = service(compose, 'redis');
    const command = commandOf(redis).join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    const data = mounts(redis).find((m) => m.target === '/data');
    expect(data && compose.volumes && data.source in compose.volumes).toBe(true);
  });

  it('every service has a health check; ours use node (the image has no curl)', () => {
    const ours = { api: 3000, worker: 9464, 'mock-api': 4010 };
    for (const name of SERVICES) {
      const test = healthcheckTest(service(compose, name));
      expect(test.length, `${name} has no healthcheck`).toBeGreaterThan(1);
      const port = ours[name as keyof typeof ours];
      if (port !== undefined) {
        expect(test.slice(0, 3), name).toEqual(['CMD', 'node', '/app/http-check.mjs']);
        expect(test[3], name).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
      }
    }
    expect(healthcheckTest(service(compose, 'redis'))).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('prometheus reads deploy/prometheus as mounted', () => {
    const prometheus = service(compose, 'prometheus');
    const mount = mounts(prometheus).find((m) => m.source === './deploy/prometheus');
    expect(mount?.target).toBe('/etc/prometheus');
    expect(commandOf(prometheus)).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const config = readRepoYaml('deploy/prometheus/prometheus.yml') as { rule_files: string[] };
    for (const file of config.rule_files) {
      expect(existsSync(repoPath(`deploy/prometheus/${file}`)), file).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readRepoFile('Dockerfile');
  const allowed = readRepoFile('.dockerignore')
    .split('\n')
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1));

  it('builds in one node:22-bookworm-slim stage and runs from another', () => {
    // Node 22, a supported LTS; CI runs the tests on it as well as on Node 20.
    expect(dockerfile).toMatch(/^FROM node:22-bookworm-slim AS build$/m);
    expect(dockerfile).toMatch(/^FROM node:22-bookworm-slim AS runtime$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    // `prepare` runs tsc, a dev dependency: the runtime stage must not run scripts.
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev --ignore-scripts/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(dockerfile).toMatch(/^COPY deploy\/docker\/http-check\.mjs \.\/http-check\.mjs$/m);
  });

  it('copies only what .dockerignore lets into the build context', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(/\s+/),
    );
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(
        allowed.some((entry) => source === entry || source.startsWith(`${entry}/`)),
        source,
      ).toBe(true);
      expect(existsSync(repoPath(source)), source).toBe(true);
    }
  });
});
