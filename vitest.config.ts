import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'marbles/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests start their own memcached processes on free ports; two cores in CI.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    fileParallelism: true,
  },
});
