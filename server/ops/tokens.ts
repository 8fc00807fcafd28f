/**
 * Bearer tokens. A token is shown once when minted and stored only as its SHA-256 hash;
 * lookups hash the presented token and compare hashes in constant time.
 * Scopes: `agent` (acts as one agent) and `admin` (acts as a human admin of the team).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { ensureTeam, getAgentById, upsertAgent } from './agents.js';
import { type Ctx, withTx } from './context.js';
import { type Agent, iso, isoOrNull } from './model.js';
import { AgentName, parseInput, ShortText, TeamName } from './schemas.js';

export const MintToken = z.strictObject({
  team: TeamName.default('default'),
  agent: AgentName.describe('the agent the token acts as; created if new'),
  scope: z.enum(['agent', 'admin']).default('agent'),
  label: ShortText(100).optional(),
});
export type MintToken = z.infer<typeof MintToken>;

export interface TokenInfo {
  id: string;
  team: string;
  agent: string | null;
  scope: 'agent' | 'admin';
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** How precisely `lastUsedAt` is kept (ms). */
export const TOKEN_USE_RESOLUTION_MS = 60_000;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Mints a token for `agent` in `team` (both created if new; an admin token's agent is a
 * `human`). Returns the plaintext token, shown only here, and its info.
 * Callers must check the right to mint (team admin, or local CLI access to the database).
 */
export async function mintToken(ctx: Ctx, input: unknown): Promise<{ token: string; info: TokenInfo }> {
  const p = parseInput(MintToken, input);
  return withTx(ctx, async (tx) => {
    const { agent } = await upsertAgent(tx, {
      name: p.agent,
      team: p.team,
      ...(p.scope === 'admin' && { kind: 'human' as const }),
    });
    const token = `sb_${randomBytes(32).toString('base64url')}`;
    const now = tx.now();
    const id = newId(now);
    await tx.db
      .insertInto('tokens')
      .values({
        id,
        team_id: agent.teamId,
        agent_id: agent.id,
        scope: p.scope,
        label: p.label ?? null,
        hash: hashToken(token),
        created_at: now,
      })
      .execute();
    return {
      token,
      info: {
        id,
        team: agent.team,
        agent: agent.name,
        scope: p.scope,
        label: p.label ?? null,
        createdAt: iso(now),
        lastUsedAt: null,
        revokedAt: null,
      },
    };
  });
}

/**
 * The agent a bearer token acts as, and whether it is a team-admin token.
 * Errors: `unauthorized` for an unknown or revoked token (one message for both).
 */
export async function authenticateToken(ctx: Ctx, token: string): Promise<{ agent: Agent; admin: boolean }> {
  const hash = hashToken(token);
  const row = await ctx.db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
  // The lookup is by hash; the constant-time compare guards against a timing side channel in it.
  const ok =
    row !== undefined &&
    row.revoked_at === null &&
    row.agent_id !== null &&
    timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'));
  if (!ok) throw new DomainError('unauthorized', 'invalid or revoked token');
  const agent = await getAgentById(ctx, row.agent_id as string);
  if (!agent) throw new DomainError('unauthorized', 'invalid or revoked token');
  // Recorded at most once a minute per token: a write (and commit) on every request would
  // cost more than the request's own work.
  const now = ctx.now();
  if (row.last_used_at === null || now - row.last_used_at >= TOKEN_USE_RESOLUTION_MS) {
    await ctx.db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { agent, admin: row.scope === 'admin' };
}

export const RevokeToken = z.strictObject({ id: z.string().min(1).max(40) });
export type RevokeToken = z.infer<typeof RevokeToken>;

/** Revokes a token by id. Errors: `not_found`. */
export async function revokeToken(ctx: Ctx, input: unknown): Promise<{ revoked: string }> {
  const p = parseInput(RevokeToken, input);
  const r = await ctx.db
    .updateTable('tokens')
    .set({ revoked_at: ctx.now() })
    .where('id', '=', p.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw new DomainError('not_found', `no active token ${p.id}`);
  return { revoked: p.id };
}

export const ListTokens = z.strictObject({ team: TeamName.default('default') });
export type ListTokens = z.infer<typeof ListTokens>;

/** Tokens of a team (never the secrets). */
export async function listTokens(ctx: Ctx, input: unknown): Promise<TokenInfo[]> {
  const p = parseInput(ListTokens, input);
  const team = await ensureTeam(ctx, p.team);
  const rows = await ctx.db
    .selectFrom('tokens')
    .leftJoin('agents', 'agents.id', 'tokens.agent_id')
    .selectAll('tokens')
    .select('agents.name as agent_name')
    .where('tokens.team_id', '=', team.id)
    .orderBy('tokens.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    team: team.name,
    agent: r.agent_name,
    scope: r.scope as 'agent' | 'admin',
    label: r.label,
    createdAt: iso(r.created_at),
    lastUsedAt: isoOrNull(r.last_used_at),
    revokedAt: isoOrNull(r.revoked_at),
  }));
}
