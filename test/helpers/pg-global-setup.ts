/**
 * Vitest global setup of the "postgres" project (its `env` sets SWITCHBOARD_TEST_DIALECT to
 * `postgres`): creates this run's template database, migrated once, from which test files
 * copy their databases (`CREATE DATABASE … TEMPLATE …`), and drops every database of the run
 * at the end. With PostgreSQL down, the project's tests fail saying how to start it (never
 * skip). Does nothing for other projects.
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
    /** The template; `{ error }` when PostgreSQL could not provide one; null outside the "postgres" project. */
    pgTemplate: PgTemplate | { error: string } | null;
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
  try {
    await createDatabase(template);
    const opened = await openPostgresDatabase(databaseUrl(template)).catch(async (err) => {
      await dropDatabases({ prefix: run });
      throw err;
    });
    await opened.close();
    project.provide('pgTemplate', { run, template, reset: await resetScript(databaseUrl(template)) });
  } catch (err) {
    // Every test of the project that opens a database then fails with this message, while the
    // other projects still run (a failed global setup would stop them all and report nothing).
    const error = (err as Error).message;
    console.error(`\n[postgres] no PostgreSQL for the tests: ${error}\n`);
    project.provide('pgTemplate', { error });
    return undefined;
  }
  return () => dropDatabases({ prefix: `${run}_` });
}
