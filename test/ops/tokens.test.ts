import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authenticateToken, listTokens, mintToken, revokeToken } from '../../server/ops/tokens.js';
import { createWorld, rejects, type TestWorld } from '../helpers/ctx.js';

let w: TestWorld;
beforeEach(async () => {
  w = await createWorld();
});
afterEach(async () => {
  await w.close();
});

describe('tokens', () => {
  it('mints a token shown once and stored only as a hash; it authenticates as its agent', async () => {
    const { token, info } = await mintToken(w.as(null), { agent: 'alice', team: 'web', label: 'laptop' });
    expect(token).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
    const stored = await w.opened.db.selectFrom('tokens').selectAll().executeTakeFirstOrThrow();
    expect(stored.hash).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(token.slice(3));
    const auth = await authenticateToken(w.as(null), token);
    expect(auth).toMatchObject({ admin: false, agent: { name: 'alice', team: 'web' } });
    expect(info).toMatchObject({ agent: 'alice', team: 'web', scope: 'agent', label: 'laptop' });
  });

  it('makes an admin token act as a human of the team', async () => {
    const { token } = await mintToken(w.as(null), { agent: 'ops', scope: 'admin' });
    const auth = await authenticateToken(w.as(null), token);
    expect(auth.admin).toBe(true);
    expect(auth.agent.kind).toBe('human');
  });

  it('refuses unknown and revoked tokens with one message', async () => {
    const { token, info } = await mintToken(w.as(null), { agent: 'alice' });
    await rejects(authenticateToken(w.as(null), 'sb_not-a-token'), 'unauthorized', 'invalid or revoked token');
    await revokeToken(w.as(null), { id: info.id });
    await rejects(authenticateToken(w.as(null), token), 'unauthorized', 'invalid or revoked token');
    await rejects(revokeToken(w.as(null), { id: info.id }), 'not_found');
    const [listed] = await listTokens(w.as(null), {});
    expect(listed?.revokedAt).not.toBeNull();
  });

  it('records last use at most once a minute', async () => {
    const { token } = await mintToken(w.as(null), { agent: 'alice' });
    const lastUsed = async () =>
      (await w.opened.db.selectFrom('tokens').select('last_used_at').executeTakeFirstOrThrow()).last_used_at;
    await authenticateToken(w.as(null), token);
    const first = await lastUsed();
    expect(first).toBe(w.clock.now);
    w.tick(30_000);
    await authenticateToken(w.as(null), token);
    expect(await lastUsed()).toBe(first);
    w.tick(30_000);
    await authenticateToken(w.as(null), token);
    expect(await lastUsed()).toBe(w.clock.now);
  });
});
