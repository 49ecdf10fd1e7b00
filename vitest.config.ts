import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn worker processes and share one Redis; files run in parallel
    // (each test has its own prefix) but not too many at once on a 2-core machine.
    maxWorkers: 2,
  },
});
