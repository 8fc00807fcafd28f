import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // With SWITCHBOARD_TEST_DIALECT=postgres: a migrated template database for the run.
    globalSetup: ['test/helpers/pg-global-setup.ts'],
    // Generous: several suites start real server processes and a browser on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Several suites start real servers and a browser; two cores run two files at a time.
    maxWorkers: 2,
  },
});
