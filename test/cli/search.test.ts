import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { joinOverApi, startServer, type TestServer } from '../helpers/server.js';

// Every step spawns the real CLI (about 0.3 s each, more on a busy machine): a generous timeout.
describe('switchboard search', { timeout: 120_000 }, () => {
  let server: TestServer;
  let cli: (args: string[]) => ReturnType<typeof runCli>;
  beforeEach(async () => {
    server = await startServer();
    cli = (args) => runCli(args, { env: { SWITCHBOARD_URL: server.url } });
    await joinOverApi(server, [
      ['alice', 'lead'],
      ['bob', 'backend'],
    ]);
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('prints hits best first with where they are; --in, --from, --json; bad input exits non-zero', async () => {
    expect((await cli(['task', 'create', 'Speed up the nightly backup', '--agent', 'alice'])).code).toBe(0);
    const sent = await cli(['send', 'bob', '-m', 'the nightly backup took 40 minutes', '--agent', 'alice']);
    expect(sent.code, sent.stderr).toBe(0);

    const all = await cli(['search', 'nightly', 'backup', '--agent', 'bob']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/task #1 "Speed up the nightly backup" \[open\], created by alice/);
    expect(all.stdout).toMatch(
      /message \S+ from alice \(direct\), .* ago \(thread \S+\)\n {4}the nightly backup took 40 minutes/,
    );

    const tasks = await cli(['search', 'backup', '--in', 'tasks', '--from', 'alice', '--agent', 'bob', '--json']);
    expect(tasks.json().hits.map((h: any) => h.kind)).toEqual(['task']);

    const none = await cli(['search', '"', 'NEAR(', '--agent', 'bob']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout.trim()).toBe('No hits.');

    const bad = await cli(['search', 'backup', '--since', 'soon', '--agent', 'bob']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/invalid: .*since/);
  });
});
