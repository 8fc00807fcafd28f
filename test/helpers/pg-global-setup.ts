/**
 * Vitest global setup of the "postgres" project (its `env` sets SWITCHBOARD_TEST_DIALECT to
 * `postgres`): creates this run's template database, migrated once, from which test files
 * copy their databases (`CREATE DATABASE … TEMPLATE …`), and drops every database of the run
 * at the end. PostgreSQL down fails the run, saying how to start it. Does nothing elsewhere.
 */
import type { TestProject } from 'vitest/node';
import { openPostgresDatabase } from '../../server/db/postgres.js';
import { createDatabase, databaseUrl, dropDatabases, resetScript, uniqueName } from './pg-admin.js';

export interface PgTemplate {
  /** Prefix of every database of this run. */
  run: string;
  template: string;
  /** SQL that returns a copy of the template to the template's contents (pg-admin `resetScript`). */
  reset: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplate: PgTemplate | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // A project's `env` reaches its test workers, not this process: read it from the config.
  const dialect = project.config.env?.SWITCHBOARD_TEST_DIALECT ?? process.env.SWITCHBOARD_TEST_DIALECT;
  if (dialect !== 'postgres') {
    project.provide('pgTemplate', null);
    return undefined;
  }
  const run = uniqueName('sbt');
  const template = `${run}_template`;
  await createDatabase(template);
  const opened = await openPostgresDatabase(databaseUrl(template)).catch(async (err) => {
    await dropDatabases({ prefix: run });
    throw err;
  });
  await opened.close();
  project.provide('pgTemplate', { run, template, reset: await resetScript(databaseUrl(template)) });
  return () => dropDatabases({ prefix: `${run}_` });
}
