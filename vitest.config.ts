import { defineConfig } from 'vitest/config';

/** Tests about PostgreSQL itself (its migrator, start-up errors, schema parity): need a server. */
const POSTGRES_ONLY = [
  'test/db/postgres.test.ts',
  'test/db/schema-parity.test.ts',
  'test/security/startup-postgres.test.ts',
  'test/cluster/**',
  'test/cli/migrate.test.ts',
];

/** Tests about the SQLite file: its data directory, WAL, crash safety, file backup and CLI. */
const SQLITE_ONLY = ['test/security/crash.test.ts', 'test/security/startup.test.ts', 'test/security/data-dir.test.ts'];

/**
 * Not repeated on PostgreSQL: what they check does not touch the database beyond what the
 * suites above already cover, and most of their time goes to spawning processes (the CLI, hook
 * and stdio-bridge clients, Codex, the conformance suite) or a browser.
 */
const DIALECT_NEUTRAL = [
  'test/architecture.test.ts',
  'test/cli/build.test.ts',
  'test/cli/messages.test.ts',
  'test/cli/tasks.test.ts',
  'test/cli/reservations.test.ts',
  'test/cli/search.test.ts',
  'test/delivery/hooks.test.ts',
  'test/delivery/stdio.test.ts',
  'test/mcp/codex.test.ts',
  'test/mcp/conformance.test.ts',
  'test/mcp/tool-tokens.test.ts',
  'test/mcp/claude-flow-schema.test.ts',
  'test/security/stuck-stream.test.ts',
  'test/web/browser.test.ts',
  'test/web/flow-browser.test.ts',
];

const ALL = ['test/**/*.test.ts', 'test/**/*.test.tsx'];

export default defineConfig({
  test: {
    // Generous: several suites start real server processes and a browser on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Several suites start real servers and a browser; two cores run two files at a time.
    maxWorkers: 2,
    // `npm test` runs both; one alone: `npx vitest run --project sqlite`.
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ALL,
          exclude: POSTGRES_ONLY,
          env: { SWITCHBOARD_TEST_DIALECT: 'sqlite' },
        },
      },
      {
        extends: true,
        test: {
          // PostgreSQL at SWITCHBOARD_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
          // unreachable, the global setup fails the run saying so.
          name: 'postgres',
          include: ALL,
          exclude: [...SQLITE_ONLY, ...DIALECT_NEUTRAL],
          env: { SWITCHBOARD_TEST_DIALECT: 'postgres' },
          // A migrated template database for the run, copied by each test file.
          globalSetup: ['test/helpers/pg-global-setup.ts'],
        },
      },
    ],
  },
});
