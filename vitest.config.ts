import { defineConfig } from 'vitest/config';

/**
 * The test layers, each a vitest project (`npm run test:<name>` runs one):
 * - unit: pure code, no Redis, seconds;
 * - http: the API through `inject()` over the real Redis;
 * - store: the Lua scripts of src/store against the real Redis;
 * - integration: worker processes, the simulator, restarts, a Redis Cluster;
 * - deploy: Prometheus, Grafana and compose files, a live Prometheus;
 * - e2e: the web console in headless Chromium (/usr/bin/chromium) over the whole stack.
 */
const LAYERS = ['unit', 'http', 'store', 'integration', 'deploy', 'e2e'] as const;

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn worker processes and share one Redis; files run in parallel
    // (each test has its own prefix) but not too many at once on a 2-core machine.
    maxWorkers: 2,
    projects: LAYERS.map((name) => ({
      extends: true,
      test: { name, include: [`test/${name}/**/*.test.ts`] },
    })),
  },
});
