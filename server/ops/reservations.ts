/**
 * File reservations (DESIGN.md, Reservations): an agent reserves globs relative to the project
 * root, exclusive (the default) or shared, for a TTL that its activity renews, optionally tied
 * to a task. Two reservations of different agents conflict when their globs can match a common
 * file (server/ops/globs.ts) and at least one is exclusive. They end at their TTL, when
 * released, when their task finishes, and when their holder's claim on that task ends
 * (server/ops/reservation-ends.ts).
 *
 * Creating is race-free: the transaction first locks the team's row (a write that changes
 * nothing), so concurrent creates in one team take turns on PostgreSQL as on SQLite, and the
 * second sees the first's reservations.
 */
import { z } from 'zod';
import type { ReservationRow, TaskRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { agentNames } from './agents.js';
import { type Ctx, isPrivileged, requireActor, withTx } from './context.js';
import { cachedGlob, normalizePath, overlapWitness, parseGlob } from './globs.js';
import { type Reservation, type TaskSummary, toReservation, toSummary } from './model.js';
import { parseInput, ShortText, TaskRef, TERMINAL_STATUSES } from './schemas.js';
import { resolveTaskRow } from './task-read.js';
import { formatSpan, ref } from './task-support.js';

/** Most paths in one call. */
export const MAX_PATHS = 20;
/** Most live reservations one agent holds. */
export const MAX_RESERVATIONS_PER_AGENT = 100;
/** TTL bounds and default, in seconds. */
export const TTL_DEFAULT_S = 3600;
export const TTL_MIN_S = 60;
export const TTL_MAX_S = 86_400;

/** A glob or path; its length and form are checked by server/ops/globs.ts, with errors that say why. */
const PathText = z.string();

export const CreateReservations = z.strictObject({
  paths: z.array(PathText).min(1).max(MAX_PATHS).describe('globs from the project root, e.g. ["src/api/**"]'),
  exclusive: z.boolean().optional().describe('default true; false: shared (conflicts only with exclusive)'),
  ttl: z
    .number()
    .int()
    .min(TTL_MIN_S)
    .max(TTL_MAX_S)
    .optional()
    .describe('seconds, default 3600; your activity renews it'),
  reason: ShortText(200).optional().describe('shown to whom it blocks'),
  task: TaskRef.optional().describe('task it belongs to: ends with it'),
});
export type CreateReservations = z.infer<typeof CreateReservations>;

/** What `createReservations` returns: the reservations made or renewed. */
export interface CreatedReservations {
  reservations: Reservation[];
  /** Patterns the caller already held: renewed (and changed where asked). */
  renewed: string[];
}

/** A live reservation row with its holder's name, as the rules read it. */
type Live = ReservationRow & { holder: string };

/** The team's live reservations (not expired at `now`), with holder names. */
async function liveRows(ctx: Ctx, teamId: string): Promise<Live[]> {
  return ctx.db
    .selectFrom('reservations')
    .innerJoin('agents', 'agents.id', 'reservations.agent_id')
    .selectAll('reservations')
    .select('agents.name as holder')
    .where('reservations.team_id', '=', teamId)
    .where('reservations.expires_at', '>', ctx.now())
    .orderBy('reservations.pattern')
    .orderBy('agents.name')
    .execute();
}

/** Rows as Reservations, with holder names and task summaries loaded in batches. */
async function toReservations(ctx: Ctx, rows: ReservationRow[]): Promise<Reservation[]> {
  if (rows.length === 0) return [];
  const taskIds = [...new Set(rows.map((r) => r.task_id).filter((t): t is string => t !== null))];
  const [names, tasks] = await Promise.all([
    agentNames(
      ctx,
      rows.map((r) => r.agent_id),
    ),
    taskIds.length
      ? ctx.db.selectFrom('tasks').select(['id', 'number', 'title', 'status']).where('id', 'in', taskIds).execute()
      : Promise.resolve([]),
  ]);
  const byId = new Map<string, TaskSummary>(tasks.map((t) => [t.id, toSummary(t)]));
  return rows.map((r) =>
    toReservation(r, names.get(r.agent_id) ?? '?', r.task_id ? (byId.get(r.task_id) ?? null) : null),
  );
}

/** `13:05 UTC (in 58 min)`, or with the date when it is not today. */
function whenText(ms: number, now: number): string {
  const at = new Date(ms).toISOString();
  const day = at.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? '' : `${at.slice(0, 10)} `;
  return `${day}${at.slice(11, 16)} UTC (in ${formatSpan(ms - now)})`;
}

/** How a reservation reads in a conflict or a denied edit: holder, pattern, reason, task, end. */
export function describeHold(
  r: { holder: string; pattern: string; exclusive: boolean; reason: string | null; task: TaskSummary | null },
  expiresAt: number,
  now: number,
): string {
  const why = [r.reason ? `for "${r.reason}"` : null, r.task ? `on task ${ref(r.task)}` : null].filter(Boolean);
  return `${r.holder} holds ${r.pattern} ${r.exclusive ? 'exclusively' : 'shared'}${why.length ? ` ${why.join(', ')}` : ''} until ${whenText(expiresAt, now)}`;
}

interface Conflict {
  path: string;
  example: string;
  row: Live;
  task: TaskSummary | null;
}

function conflictError(conflicts: Conflict[], now: number, exclusive: boolean): DomainError {
  const shown = conflicts.slice(0, 3).map((c) => {
    const hold = describeHold({ ...c.row, exclusive: c.row.exclusive === 1, task: c.task }, c.row.expires_at, now);
    return `${c.path}: ${hold}; both cover ${c.example}`;
  });
  const more = conflicts.length > 3 ? `; and ${conflicts.length - 3} more` : '';
  const holders = [...new Set(conflicts.map((c) => c.row.holder))].join(', ');
  const sharedOnly = exclusive && conflicts.every((c) => c.row.exclusive === 0);
  return new DomainError(
    'conflict',
    `cannot reserve ${shown.join('; ')}${more}. Nothing was reserved. ${
      sharedOnly ? 'Reserve shared (exclusive: false), or ask' : 'Ask'
    } ${holders} (teammate_send_message), reserve other paths, or wait for it to end.`,
    {
      conflicts: conflicts.map((c) => ({
        path: c.path,
        pattern: c.row.pattern,
        holder: c.row.holder,
        exclusive: c.row.exclusive === 1,
        reason: c.row.reason,
        task: c.task ? `#${c.task.number}` : null,
        expiresAt: new Date(c.row.expires_at).toISOString(),
        example: c.example,
      })),
    },
  );
}

/**
 * Reserves `paths` for the actor, all or none. A path the actor already holds is renewed:
 * its end moves to now + TTL, and `exclusive`, `ttl`, `reason` and `task` change where given.
 * Errors: `invalid` (a bad glob, saying why), `not_found` (task), `conflict` (another agent's
 * overlapping reservation where either is exclusive, naming holder, pattern, reason, task and
 * end; or a finished task), `too_large` (more than `MAX_RESERVATIONS_PER_AGENT` live).
 */
export async function createReservations(ctx: Ctx, input: unknown): Promise<CreatedReservations> {
  const p = parseInput(CreateReservations, input);
  const me = requireActor(ctx);
  const globs = [...new Map(p.paths.map((raw) => parseGlob(raw)).map((g) => [g.text, g])).values()];
  return withTx(ctx, async (tx) => {
    const now = tx.now();
    // Concurrent creates in the team take turns from here (PostgreSQL: a row lock; SQLite: one writer).
    await tx.db
      .updateTable('teams')
      .set((eb) => ({ next_task_number: eb.ref('next_task_number') }))
      .where('id', '=', me.teamId)
      .execute();
    let task: TaskRow | null = null;
    if (p.task !== undefined) {
      const row = await resolveTaskRow(tx, me.teamId, p.task);
      // Locked, so that the task cannot finish (and miss this reservation) before the commit.
      task =
        (await tx.db
          .updateTable('tasks')
          .set((eb) => ({ version: eb.ref('version') }))
          .where('id', '=', row.id)
          .where('status', 'not in', TERMINAL_STATUSES)
          .returningAll()
          .executeTakeFirst()) ?? null;
      if (!task) {
        throw new DomainError(
          'conflict',
          `${ref(row)} is ${row.status}; a reservation tied to it would end at once. Reserve without task, or tie it to an unfinished task.`,
          { status: row.status },
        );
      }
    }
    const live = await liveRows(tx, me.teamId);
    const mine = new Map(live.filter((r) => r.agent_id === me.id).map((r) => [r.pattern, r]));
    const conflicts: Conflict[] = [];
    for (const g of globs) {
      const exclusive = p.exclusive ?? (mine.get(g.text)?.exclusive ?? 1) === 1;
      for (const r of live) {
        if (r.agent_id === me.id || (!exclusive && r.exclusive === 0)) continue;
        const example = overlapWitness(g, cachedGlob(r.pattern));
        if (example !== null) conflicts.push({ path: g.text, example, row: r, task: null });
      }
    }
    if (conflicts.length > 0) {
      const tasks = await toReservations(
        tx,
        conflicts.map((c) => c.row),
      );
      conflicts.forEach((c, i) => {
        c.task = tasks[i]?.task ?? null;
      });
      throw conflictError(conflicts, now, p.exclusive ?? true);
    }
    const added = globs.filter((g) => !mine.has(g.text)).length;
    if (mine.size + added > MAX_RESERVATIONS_PER_AGENT) {
      throw new DomainError(
        'too_large',
        `you would hold ${mine.size + added} reservations; the limit is ${MAX_RESERVATIONS_PER_AGENT}. Release some (reservation_release) or reserve a broader glob.`,
        { limit: MAX_RESERVATIONS_PER_AGENT },
      );
    }
    // Expired rows of the actor's stay until maintenance; a new reservation replaces them.
    await tx.db.deleteFrom('reservations').where('agent_id', '=', me.id).where('expires_at', '<=', now).execute();
    const rows: ReservationRow[] = [];
    for (const g of globs) {
      const held = mine.get(g.text);
      const exclusive = p.exclusive ?? (held ? held.exclusive === 1 : true);
      const ttlMs = p.ttl !== undefined ? p.ttl * 1000 : (held?.ttl_ms ?? TTL_DEFAULT_S * 1000);
      const reason = p.reason ?? held?.reason ?? null;
      const taskId = task?.id ?? held?.task_id ?? null;
      const row = await tx.db
        .insertInto('reservations')
        .values({
          id: newId(now),
          team_id: me.teamId,
          agent_id: me.id,
          pattern: g.text,
          exclusive: exclusive ? 1 : 0,
          reason,
          task_id: taskId,
          ttl_ms: ttlMs,
          created_at: now,
          expires_at: now + ttlMs,
        })
        .onConflict((oc) =>
          oc.columns(['agent_id', 'pattern']).doUpdateSet({
            exclusive: exclusive ? 1 : 0,
            reason,
            task_id: taskId,
            ttl_ms: ttlMs,
            expires_at: now + ttlMs,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      rows.push(row);
    }
    const taskIds = [...new Set(rows.map((r) => r.task_id).filter((t): t is string => t !== null))];
    tx.emit({ type: 'reservation.changed', teamId: me.teamId, agentIds: [me.id], taskIds });
    return {
      reservations: await toReservations(tx, rows),
      renewed: globs.filter((g) => mine.has(g.text)).map((g) => g.text),
    };
  });
}

export const ListReservations = z.strictObject({
  mine: z.boolean().default(false).describe('only yours'),
  path: PathText.optional().describe('a file or glob: only reservations covering it'),
});
export type ListReservations = z.infer<typeof ListReservations>;

/** Whether a path holds glob syntax (else it names one file). */
const isGlob = (path: string) => /[*?[{]/.test(path);

/**
 * The team's live reservations by pattern, then holder; `mine` keeps the actor's, `path` those
 * covering that file (or overlapping that glob). Read-only.
 * Errors: `unauthorized`, `invalid` (a bad path).
 */
export async function listReservations(ctx: Ctx, input: unknown = {}): Promise<{ reservations: Reservation[] }> {
  const p = parseInput(ListReservations, input);
  const me = requireActor(ctx);
  let rows: ReservationRow[] = await liveRows(ctx, me.teamId);
  if (p.mine) rows = rows.filter((r) => r.agent_id === me.id);
  if (p.path !== undefined) {
    if (isGlob(p.path)) {
      const wanted = parseGlob(p.path);
      rows = rows.filter((r) => overlapWitness(wanted, cachedGlob(r.pattern)) !== null);
    } else {
      const file = normalizePath(p.path);
      rows = rows.filter((r) => cachedGlob(r.pattern).matches(file));
    }
  }
  return { reservations: await toReservations(ctx, rows) };
}

export const CheckPath = z.strictObject({
  path: PathText.describe('a file relative to the project root'),
});
export type CheckPath = z.infer<typeof CheckPath>;

/** What `checkPath` finds for one file. */
export interface PathCheck {
  /** The file as normalized (`src/a.ts`). */
  path: string;
  /** False when another agent holds it exclusively: an edit should wait. */
  allowed: boolean;
  /** Other agents' exclusive reservations covering it. */
  blocking: Reservation[];
  /** Every live reservation covering it (the caller's and shared ones included). */
  covering: Reservation[];
  /** Why the edit is refused, naming holder, pattern, reason and end; null when allowed. */
  reason: string | null;
}

/**
 * Whether the actor may edit `path` (a file relative to the project root): not while another
 * agent holds it exclusively. For the edit guard (`switchboard hook claude` on PreToolUse,
 * `switchboard guard pre-commit`). Read-only. Errors: `invalid` for a bad path.
 */
export async function checkPath(ctx: Ctx, input: unknown): Promise<PathCheck> {
  const p = parseInput(CheckPath, input);
  const me = requireActor(ctx);
  const path = normalizePath(p.path);
  const now = ctx.now();
  // Patterns first (every edit asks this), whole rows only for the few that cover the file.
  const patterns = await ctx.db
    .selectFrom('reservations')
    .select(['id', 'pattern'])
    .where('team_id', '=', me.teamId)
    .where('expires_at', '>', now)
    .execute();
  const ids = patterns.filter((r) => cachedGlob(r.pattern).matches(path)).map((r) => r.id);
  const live = ids.length
    ? await ctx.db.selectFrom('reservations').selectAll().where('id', 'in', ids).orderBy('pattern').execute()
    : [];
  const covering = await toReservations(ctx, live);
  const blocking = covering.filter((r, i) => r.exclusive && live[i]?.agent_id !== me.id);
  const reason = blocking.length
    ? `${path} is reserved: ${blocking.map((r) => describeHold(r, Date.parse(r.expiresAt), now)).join('; ')}. Ask ${[
        ...new Set(blocking.map((r) => r.holder)),
      ].join(', ')} (teammate_send_message) to release it, or work on other files.`
    : null;
  return { path, allowed: blocking.length === 0, blocking, covering, reason };
}

export const ReleaseReservations = z.strictObject({
  paths: z.array(PathText).min(1).max(MAX_PATHS).optional().describe('your globs as reserved'),
  ids: z.array(z.string()).min(1).max(MAX_PATHS).optional().describe('reservation ids'),
});
export type ReleaseReservations = z.infer<typeof ReleaseReservations>;

/** What `releaseReservations` returns. */
export interface ReleasedReservations {
  released: Reservation[];
  /** Given paths the caller held no reservation of (nothing to release). */
  notHeld: string[];
}

/**
 * Releases the actor's reservations of `paths` (as reserved, normalized), or those with `ids`
 * (anyone's, for a human or a team admin). Releasing a path not held changes nothing.
 * Errors: `invalid` (neither or both given), `not_found` (an id not in the team; nothing
 * released), `forbidden` (another agent's id).
 */
export async function releaseReservations(ctx: Ctx, input: unknown): Promise<ReleasedReservations> {
  const p = parseInput(ReleaseReservations, input);
  const me = requireActor(ctx);
  if ((p.paths === undefined) === (p.ids === undefined)) {
    throw new DomainError(
      'invalid',
      'give paths (your globs, as reserved) or ids, one of the two; reservation_list {mine: true} shows yours',
    );
  }
  return withTx(ctx, async (tx) => {
    let rows: ReservationRow[];
    let notHeld: string[] = [];
    if (p.paths) {
      const patterns = [...new Set(p.paths.map((raw) => parseGlob(raw).text))];
      rows = await tx.db
        .deleteFrom('reservations')
        .where('agent_id', '=', me.id)
        .where('pattern', 'in', patterns)
        .where('expires_at', '>', tx.now())
        .returningAll()
        .execute();
      notHeld = patterns.filter((pt) => !rows.some((r) => r.pattern === pt));
    } else {
      const ids = [...new Set(p.ids)];
      const found = await tx.db
        .selectFrom('reservations')
        .selectAll()
        .where('team_id', '=', me.teamId)
        .where('id', 'in', ids)
        .where('expires_at', '>', tx.now())
        .execute();
      const missing = ids.filter((id) => !found.some((r) => r.id === id)).map((id) => id.slice(0, 40));
      if (missing.length) {
        throw new DomainError(
          'not_found',
          `no live reservation ${missing.join(', ')} in your team; nothing was released (reservation_list shows them)`,
          { ids: missing },
        );
      }
      const others = found.filter((r) => r.agent_id !== me.id);
      if (others.length && !isPrivileged(tx)) {
        const names = await agentNames(
          tx,
          others.map((r) => r.agent_id),
        );
        throw new DomainError(
          'forbidden',
          `only the holder (${[...new Set(names.values())].join(', ')}), a human or a team admin can release ${others.map((r) => r.pattern).join(', ')}; ask them (teammate_send_message)`,
        );
      }
      rows = await tx.db.deleteFrom('reservations').where('id', 'in', ids).returningAll().execute();
    }
    if (rows.length) {
      const taskIds = [...new Set(rows.map((r) => r.task_id).filter((t): t is string => t !== null))];
      const agentIds = [...new Set(rows.map((r) => r.agent_id))];
      tx.emit({ type: 'reservation.changed', teamId: me.teamId, agentIds, taskIds });
    }
    return { released: await toReservations(tx, rows), notHeld };
  });
}

/** The live reservations tied to `taskId`, by pattern (for task_get and the board's task page). */
export async function taskReservations(ctx: Ctx, taskId: string): Promise<Reservation[]> {
  const rows = await ctx.db
    .selectFrom('reservations')
    .selectAll()
    .where('task_id', '=', taskId)
    .where('expires_at', '>', ctx.now())
    .orderBy('pattern')
    .execute();
  return toReservations(ctx, rows);
}

/** The team's live reservations by holder name (for the board's roster). */
export async function reservationsByHolder(ctx: Ctx, teamId: string): Promise<Map<string, Reservation[]>> {
  const all = await toReservations(ctx, await liveRows(ctx, teamId));
  const out = new Map<string, Reservation[]>();
  for (const r of all) out.set(r.holder, [...(out.get(r.holder) ?? []), r]);
  return out;
}
