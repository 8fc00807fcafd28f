/**
 * Claims and leases: claim a task (or the best ready one) with one conditional UPDATE, release
 * it, and return tasks whose lease ran out to the pool (DESIGN.md, Task lifecycle: Claim, Lease).
 */
import { z } from 'zod';
import type { TaskRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { systemAgent } from './agents.js';
import { type Ctx, requireActor, withTx } from './context.js';
import { type Agent, isoOrNull, type Task } from './model.js';
import { endTaskReservations } from './reservation-ends.js';
import { keyHints, parseInput, ShortText, TaskRef, type TaskStatus, TERMINAL_STATUSES } from './schemas.js';
import { blockersOf, describeTasks, loadTask, resolveTaskRow } from './task-read.js';
import {
  assertOwner,
  cancelPendingReviews,
  formatSpan,
  Labels,
  nameOf,
  notBlocked,
  notifyTask,
  recordEvent,
  ref,
  teamMemberIds,
  UNCLAIMED,
  updateIf,
} from './task-support.js';

export const ClaimTask = z.strictObject({
  task: TaskRef.optional().describe('omit: the best ready task'),
  labels: Labels.optional().describe('no task: only with all these labels'),
});
export type ClaimTask = z.infer<typeof ClaimTask>;
const CLAIM_FOR = 'a claim is always yours; to reserve a task for a teammate use task_delegate';
keyHints.add(ClaimTask, { owner: CLAIM_FOR, assignee: CLAIM_FOR });

/**
 * Claims a task for the actor: one conditional UPDATE (open, unowned, not reserved for
 * someone else, not blocked). Without `task`, claims the highest-priority ready task (those
 * reserved for the actor first) matching `labels`. Claiming a task you already hold succeeds.
 * The claim is a lease kept alive by the owner's activity (`limits.leaseMs`).
 * Errors: `conflict` naming the holder, the blockers, the reservation or the status;
 * `not_found` for an unknown task or when nothing is ready.
 */
export async function claimTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(ClaimTask, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
    if (p.task !== undefined) {
      const row = await resolveTaskRow(tx, me.teamId, p.task);
      if (row.owner_id === me.id && row.status === 'in_progress') return loadTask(tx, row);
      const won = await tryClaim(tx, me, row.id);
      if (won) return loadTask(tx, won);
      throw await explainClaimMiss(tx, me, row.id);
    }
    let q = tx.db
      .selectFrom('tasks')
      .select('id')
      .where('team_id', '=', me.teamId)
      .where('status', '=', 'open')
      .where('owner_id', 'is', null)
      .where((eb) => eb.or([eb('assignee_id', 'is', null), eb('assignee_id', '=', me.id)]))
      .where(notBlocked);
    for (const label of p.labels ?? []) {
      q = q.where('id', 'in', (eb) => eb.selectFrom('task_labels').select('task_id').where('label', '=', label));
    }
    const candidates = await q
      .orderBy((eb) => eb.case().when('assignee_id', '=', me.id).then(0).else(1).end())
      .orderBy('priority_rank', 'desc')
      .orderBy('number', 'asc')
      .limit(10)
      .execute();
    for (const c of candidates) {
      const won = await tryClaim(tx, me, c.id);
      if (won) return loadTask(tx, won);
    }
    const labels = p.labels?.length ? ` with labels ${p.labels.join(', ')}` : '';
    throw new DomainError(
      'not_found',
      `no ready task${labels} to claim. Wait for one (teammate_wait_for_messages returns when claimable work appears) or see task_list.`,
    );
  });
}

async function tryClaim(tx: Ctx, me: Agent, taskId: string): Promise<TaskRow | null> {
  const now = tx.now();
  const won = await updateIf(
    tx,
    taskId,
    { status: 'in_progress', owner_id: me.id, claimed_at: now, lease_expires_at: now + tx.limits.leaseMs },
    (eb) =>
      eb.and([
        eb('status', '=', 'open'),
        eb('owner_id', 'is', null),
        eb.or([eb('assignee_id', 'is', null), eb('assignee_id', '=', me.id)]),
        notBlocked(eb),
      ]),
  );
  if (won) await recordEvent(tx, won, 'claimed', { owner: me.name, leaseExpiresAt: won.lease_expires_at });
  else tx.metrics?.claimLost(me.teamId);
  return won;
}

const ANOTHER = 'take another ready task (task_claim {})';

/**
 * Why a claim on `taskId` missed (held, reserved, blocked, or finished), with the ways on:
 * whom to ask, what to claim instead, or that waiting returns when it frees. `details` carries
 * the facts for the API: `holder`, `claimedAt`, `leaseExpiresAt` (ISO), `blockers`, `assignee`.
 */
async function explainClaimMiss(tx: Ctx, me: Agent, taskId: string): Promise<DomainError> {
  const row = await tx.db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
  const now = tx.now();
  // A finished task keeps its owner, but nobody holds it.
  if (TERMINAL_STATUSES.includes(row.status as TaskStatus) || (row.status !== 'open' && !row.owner_id)) {
    return new DomainError(
      'conflict',
      `${ref(row)} is ${row.status}; only open tasks can be claimed. Instead, ${ANOTHER}.`,
      {
        status: row.status,
      },
    );
  }
  if (row.owner_id === me.id) {
    return new DomainError(
      'conflict',
      `${ref(row)} is already yours and in review; it is done when the reviewer approves (review_list shows the review).`,
      { holder: me.name, status: row.status },
    );
  }
  if (row.owner_id && row.handoff_to_id === me.id) {
    const holder = await nameOf(tx, row.owner_id);
    return new DomainError(
      'conflict',
      `${holder} offers you ${ref(row)}: take it with task_respond_handoff {task: "#${row.number}", accept: true}.`,
      { holder, status: row.status, handoffTo: me.name },
    );
  }
  if (row.owner_id) {
    const holder = (await nameOf(tx, row.owner_id)) ?? 'another teammate';
    const since = row.claimed_at === null ? '' : `claimed ${formatSpan(now - row.claimed_at)} ago`;
    const state =
      row.status === 'in_review'
        ? `in review${since ? `, ${since}` : ''}`
        : [since, row.lease_expires_at === null ? '' : `lease ends in ${formatSpan(row.lease_expires_at - now)}`]
            .filter(Boolean)
            .join('; ');
    return new DomainError(
      'conflict',
      `${ref(row)} is already held by ${holder}${state ? ` (${state})` : ''}. Ask ${holder} (teammate_send_message to ${holder}), ${ANOTHER}, or wait (teammate_wait_for_messages returns when it frees).`,
      {
        holder,
        status: row.status,
        claimedAt: isoOrNull(row.claimed_at),
        leaseExpiresAt: isoOrNull(row.lease_expires_at),
      },
    );
  }
  if (row.assignee_id && row.assignee_id !== me.id) {
    const who = await nameOf(tx, row.assignee_id);
    const by = await reservedBy(tx, row);
    const ask = by && by !== who ? `${who} or ${by}` : who;
    return new DomainError(
      'conflict',
      `${ref(row)} is reserved for ${who}${by && by !== who ? ` (by ${by})` : ''}. Ask ${ask} (teammate_send_message) to pass it to you, or ${ANOTHER}.`,
      { assignee: who, reservedBy: by },
    );
  }
  const blockers = await blockersOf(tx, row.id);
  if (blockers.length === 0) {
    return new DomainError('conflict', `${ref(row)} changed while claiming; try again`, { status: row.status });
  }
  const free = blockers.find((b) => b.status === 'open' && b.owner === null);
  return new DomainError(
    'conflict',
    `${ref(row)} is blocked by ${describeTasks(blockers)}. Finish those first${
      free ? ` (task_claim {task: "#${free.number}"})` : ''
    }, or ${ANOTHER}.`,
    { blockers },
  );
}

/** Who reserved a task for its assignee: the last delegator, the one who handed it over, or its creator. */
async function reservedBy(tx: Ctx, row: TaskRow): Promise<string | null> {
  const last = await tx.db
    .selectFrom('task_events')
    .select(['type', 'actor_id', 'data'])
    .where('task_id', '=', row.id)
    .where('type', 'in', ['delegated', 'handoff_accepted'])
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (last?.type === 'handoff_accepted') {
    const from = (JSON.parse(last.data) as { from?: unknown }).from;
    return typeof from === 'string' ? from : null;
  }
  return nameOf(tx, last?.actor_id ?? row.creator_id);
}

export const ReleaseTask = z.strictObject({
  task: TaskRef,
  note: ShortText(2000).optional().describe('why; what state it is in'),
});
export type ReleaseTask = z.infer<typeof ReleaseTask>;

/**
 * Gives a held task back: status open, no owner (a reservation for the releaser is dropped,
 * and so are the releaser's file reservations tied to it).
 * The owner, a human or a team admin may release. Tells the creator.
 * Errors: `forbidden` (not the owner), `conflict` (not in progress).
 */
export async function releaseTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(ReleaseTask, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    await assertOwner(tx, row, 'release');
    if (row.status !== 'in_progress') {
      throw new DomainError('conflict', `${ref(row)} is ${row.status}; only a task in progress can be released`);
    }
    const prevOwner = row.owner_id;
    const next = await updateIf(
      tx,
      row.id,
      {
        ...UNCLAIMED,
        ...(row.assignee_id === prevOwner && { assignee_id: null }),
      },
      (eb) => eb.and([eb('status', '=', 'in_progress'), eb('version', '=', row.version)]),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while releasing; try again`);
    await cancelPendingReviews(tx, row.id);
    await recordEvent(tx, next, 'released', { note: p.note ?? null, previousOwner: await nameOf(tx, prevOwner) });
    await endTaskReservations(tx, next, prevOwner);
    await notifyTask(tx, next, `${me.name} released ${ref(next)}; it is open again.${p.note ? `\n\n${p.note}` : ''}`, [
      next.creator_id,
      prevOwner,
    ]);
    return loadTask(tx, next);
  });
}

/**
 * Returns every in-progress task whose lease ran out to `open` (keeping its assignee, so a
 * reserved task goes back to that agent), ends the previous owner's file reservations tied to it,
 * logs `lease_expired` (no actor: the server did it),
 * and tells the creator, the previous owner (who finds it in its inbox when it comes back) and
 * the team, from the team's system agent. Returns the number of tasks expired.
 */
export async function expireLeases(ctx: Ctx): Promise<number> {
  const now = ctx.now();
  const due = await ctx.db
    .selectFrom('tasks')
    .selectAll()
    .where('status', '=', 'in_progress')
    .where('lease_expires_at', '<', now)
    .limit(500)
    .execute();
  let expired = 0;
  for (const row of due) {
    const done = await withTx({ ...ctx, actor: null }, async (tx) => {
      const next = await updateIf(
        tx,
        row.id,
        {
          ...UNCLAIMED,
        },
        (eb) => eb.and([eb('status', '=', 'in_progress'), eb('lease_expires_at', '<', now)]),
      );
      if (!next) return false;
      await cancelPendingReviews(tx, row.id);
      await endTaskReservations(tx, next, row.owner_id);
      const prevOwner = await nameOf(tx, row.owner_id);
      await recordEvent(tx, next, 'lease_expired', {
        previousOwner: prevOwner,
        leaseExpiredAt: row.lease_expires_at,
      });
      const system = await systemAgent(tx, row.team_id);
      await notifyTask(
        { ...tx, actor: system },
        next,
        `The claim of ${prevOwner} on ${ref(next)} expired after no activity; the task is open again${
          next.assignee_id ? ' (still reserved for its assignee)' : ''
        }.`,
        [...(await teamMemberIds(tx, row.team_id)), row.owner_id],
      );
      return true;
    });
    if (done) expired += 1;
  }
  return expired;
}
