/**
 * Tasks: create, list, get, claim (a lease), update, release, delegate, hand off, complete,
 * cancel, comment, and lease expiry. The lifecycle is DESIGN.md's:
 * open → in_progress → (in_review →) done; in_progress → failed; any non-terminal → cancelled.
 * Every change writes a task event; where someone should know, a note goes into the task's
 * thread and that person's inbox.
 */
import { type ExpressionBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { Database, TaskRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { agentNames, resolveTeammate, systemAgent } from './agents.js';
import { type Ctx, isPrivileged, requireActor, withTx } from './context.js';
import type { Agent, Message, Review, Task, TaskEvent, TaskSummary } from './mappers.js';
import { toReview, toTaskEvent } from './mappers.js';
import { checkBodySize, createThread, postMessage, threadTail } from './messages.js';
import {
  BodyText,
  IdempotencyKey,
  Label,
  PRIORITY_RANK,
  Priority,
  parseInput,
  ShortText,
  TaskRef,
  TaskStatus,
  TERMINAL_STATUSES,
} from './schemas.js';
import {
  blockersOf,
  describeTasks,
  loadTask,
  loadTasks,
  resolveTaskRow,
  SATISFIED_STATUSES,
  toSummary,
} from './task-read.js';

const Labels = z.array(Label).max(20);
const TaskRefs = z.array(TaskRef).max(50);

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** Appends a task event (and announces the change after commit). */
export async function recordEvent(
  tx: Ctx,
  task: Pick<TaskRow, 'id' | 'team_id'>,
  type: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  const now = tx.now();
  const actorId = tx.actor?.id ?? null;
  await tx.db
    .insertInto('task_events')
    .values({
      id: newId(now),
      team_id: task.team_id,
      task_id: task.id,
      actor_id: actorId,
      type,
      data: JSON.stringify(data),
      created_at: now,
    })
    .execute();
  tx.emit({ type: 'task.changed', teamId: task.team_id, taskId: task.id, event: type, actorId });
}

/**
 * Posts a note from the actor into the task's thread, delivered to `recipientIds`
 * (the actor and duplicates are dropped; nobody left means thread only).
 */
export async function notifyTask(
  tx: Ctx,
  task: Pick<TaskRow, 'team_id' | 'thread_id'>,
  body: string,
  recipientIds: (string | null)[],
  kind = 'system',
): Promise<Message> {
  const me = requireActor(tx);
  return postMessage(tx, {
    teamId: task.team_id,
    threadId: task.thread_id,
    senderId: me.id,
    senderName: me.name,
    recipientIds: recipientIds.filter((r): r is string => r !== null && r !== me.id),
    body,
    kind,
  });
}

/** Ids of every agent in a team (for team-wide notices). */
async function teamMemberIds(ctx: Ctx, teamId: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('agents')
    .select('id')
    .where('team_id', '=', teamId)
    .where('kind', '!=', 'system')
    .execute();
  return rows.map((r) => r.id);
}

const ref = (t: Pick<TaskRow, 'number' | 'title'>) => `#${t.number} "${t.title}"`;

/** A condition: the task has no dependency that is not yet done or cancelled. */
function notBlocked(eb: ExpressionBuilder<Database, 'tasks'>) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('task_dependencies as d')
        .innerJoin('tasks as dep', 'dep.id', 'd.depends_on_id')
        .select('d.task_id')
        .whereRef('d.task_id', '=', 'tasks.id')
        .where('dep.status', 'not in', SATISFIED_STATUSES),
    ),
  );
}

function assertNotTerminal(row: TaskRow, action: string): void {
  if (TERMINAL_STATUSES.includes(row.status as TaskStatus)) {
    throw new DomainError('conflict', `cannot ${action} ${ref(row)}: it is already ${row.status}`, {
      status: row.status,
    });
  }
}

async function nameOf(ctx: Ctx, id: string | null): Promise<string | null> {
  if (!id) return null;
  const r = await ctx.db.selectFrom('agents').select('name').where('id', '=', id).executeTakeFirst();
  return r?.name ?? null;
}

/** Only the owner, or a human teammate or team admin, may change a held task. */
async function assertOwner(ctx: Ctx, row: TaskRow, action: string): Promise<void> {
  const me = requireActor(ctx);
  if (row.owner_id === me.id || isPrivileged(ctx)) return;
  const holder = await nameOf(ctx, row.owner_id);
  throw new DomainError(
    'forbidden',
    holder
      ? `only ${holder} (the owner) can ${action} ${ref(row)}`
      : `${ref(row)} is not claimed; claim it before you ${action} it`,
    { owner: holder },
  );
}

/** Applies `dependsOn` refs to a task (replacing its set), refusing cycles and self-dependencies. */
async function setDependencies(tx: Ctx, task: TaskRow, refs: (string | number)[]): Promise<void> {
  const deps: TaskRow[] = [];
  for (const r of refs) deps.push(await resolveTaskRow(tx, task.team_id, r));
  const ids = [...new Set(deps.map((d) => d.id))];
  if (ids.includes(task.id)) throw new DomainError('invalid', `${ref(task)} cannot depend on itself`);
  // A cycle exists if the task is reachable from any new dependency.
  const seen = new Set<string>();
  let frontier = ids;
  while (frontier.length > 0) {
    const next = await tx.db
      .selectFrom('task_dependencies')
      .select('depends_on_id')
      .where('task_id', 'in', frontier)
      .execute();
    frontier = [];
    for (const n of next) {
      if (n.depends_on_id === task.id) {
        throw new DomainError('invalid', `that dependency would make a cycle back to ${ref(task)}`);
      }
      if (!seen.has(n.depends_on_id)) {
        seen.add(n.depends_on_id);
        frontier.push(n.depends_on_id);
      }
    }
  }
  await tx.db.deleteFrom('task_dependencies').where('task_id', '=', task.id).execute();
  if (ids.length > 0) {
    await tx.db
      .insertInto('task_dependencies')
      .values(ids.map((d) => ({ task_id: task.id, depends_on_id: d })))
      .execute();
  }
}

async function setLabels(tx: Ctx, taskId: string, labels: string[]): Promise<void> {
  await tx.db.deleteFrom('task_labels').where('task_id', '=', taskId).execute();
  const unique = [...new Set(labels)];
  if (unique.length > 0) {
    await tx.db
      .insertInto('task_labels')
      .values(unique.map((label) => ({ task_id: taskId, label })))
      .execute();
  }
}

function checkTitle(ctx: Ctx, title: string): void {
  if (title.length > ctx.limits.maxTitleChars) {
    throw new DomainError(
      'too_large',
      `title is ${title.length} characters; the limit is ${ctx.limits.maxTitleChars}`,
      {
        limit: ctx.limits.maxTitleChars,
      },
    );
  }
}

/**
 * A conditional UPDATE of one task (`where` must hold), bumping `version` and `updated_at`.
 * Returns the new row, or null when the condition no longer held (a lost race).
 */
async function updateIf(
  tx: Ctx,
  id: string,
  set: Partial<TaskRow>,
  where: (eb: ExpressionBuilder<Database, 'tasks'>) => ReturnType<ExpressionBuilder<Database, 'tasks'>['and']>,
): Promise<TaskRow | null> {
  const row = await tx.db
    .updateTable('tasks')
    .set((eb) => ({ ...set, updated_at: tx.now(), version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where(where)
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

/**
 * Tells whoever should know that tasks depending on `done` became ready: each ready
 * dependent's assignee, or the whole team when it has none.
 */
export async function announceReadyDependents(tx: Ctx, done: TaskRow): Promise<void> {
  const dependents = await tx.db
    .selectFrom('tasks')
    .selectAll()
    .where('id', 'in', (eb) =>
      eb.selectFrom('task_dependencies').select('task_id').where('depends_on_id', '=', done.id),
    )
    .where('status', 'not in', TERMINAL_STATUSES)
    .execute();
  for (const dep of dependents) {
    if ((await blockersOf(tx, dep.id)).length > 0) continue;
    await recordEvent(tx, dep, 'unblocked', { by: done.id, byNumber: done.number });
    const to = dep.owner_id ?? dep.assignee_id;
    const recipients = to ? [to] : await teamMemberIds(tx, dep.team_id);
    await notifyTask(
      tx,
      dep,
      `${ref(dep)} is ready: its last dependency ${ref(done)} is ${done.status}.${to ? '' : ' Anyone may claim it.'}`,
      recipients,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Create, list, get

export const CreateTask = z.strictObject({
  title: ShortText(500).describe('short imperative title'),
  description: BodyText(1_000_000).optional().describe('Markdown: what to do, acceptance criteria'),
  priority: Priority.default('normal'),
  labels: Labels.optional().describe('e.g. ["backend"]; used by task_claim {labels}'),
  assignee: z.string().max(40).optional().describe('reserve for one teammate (they get a message)'),
  parent: TaskRef.optional().describe('parent task'),
  dependsOn: TaskRefs.optional().describe('tasks that must be done first (blocks claim and complete)'),
  idempotencyKey: IdempotencyKey.optional(),
});
export type CreateTask = z.infer<typeof CreateTask>;

/**
 * Creates an open task in the actor's team, with its thread. Returns the Task.
 * Errors: `not_found` (assignee, parent or dependency), `invalid` (cycle), `too_large`.
 * An `idempotencyKey` already used by the actor returns the first task unchanged.
 */
export async function createTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(CreateTask, input);
  const me = requireActor(ctx);
  checkTitle(ctx, p.title);
  if (p.description) checkBodySize(ctx, p.description, 'description');
  return withTx(ctx, async (tx) => {
    if (p.idempotencyKey) {
      const prior = await tx.db
        .selectFrom('tasks')
        .selectAll()
        .where('creator_id', '=', me.id)
        .where('idempotency_key', '=', p.idempotencyKey)
        .executeTakeFirst();
      if (prior) return loadTask(tx, prior);
    }
    const assignee = p.assignee ? await resolveTeammate(tx, me.teamId, p.assignee) : null;
    const parent = p.parent !== undefined ? await resolveTaskRow(tx, me.teamId, p.parent) : null;
    const now = tx.now();
    const { n } = await tx.db
      .updateTable('teams')
      .set((eb) => ({ next_task_number: eb('next_task_number', '+', 1) }))
      .where('id', '=', me.teamId)
      .returning((eb) => eb('next_task_number', '-', 1).as('n'))
      .executeTakeFirstOrThrow();
    const id = newId(now);
    const threadId = await createThread(tx, {
      teamId: me.teamId,
      kind: 'task',
      subject: `#${n} ${p.title}`,
      createdBy: me.id,
      taskId: id,
    });
    const row = await tx.db
      .insertInto('tasks')
      .values({
        id,
        team_id: me.teamId,
        number: Number(n),
        title: p.title,
        description: p.description ?? '',
        priority: p.priority,
        priority_rank: PRIORITY_RANK[p.priority],
        creator_id: me.id,
        assignee_id: assignee?.id ?? null,
        parent_id: parent?.id ?? null,
        thread_id: threadId,
        idempotency_key: p.idempotencyKey ?? null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (p.labels) await setLabels(tx, id, p.labels);
    if (p.dependsOn) await setDependencies(tx, row, p.dependsOn);
    await recordEvent(tx, row, 'created', {
      title: p.title,
      priority: p.priority,
      ...(assignee && { assignee: assignee.name }),
      ...(p.dependsOn && { dependsOn: p.dependsOn }),
    });
    if (assignee && assignee.id !== me.id) {
      await notifyTask(tx, row, `${me.name} assigned you ${ref(row)}. Claim it with task_claim when you start.`, [
        assignee.id,
      ]);
    }
    return loadTask(tx, row);
  });
}

export const ListTasks = z.strictObject({
  status: z
    .union([TaskStatus, z.array(TaskStatus).min(1)])
    .optional()
    .describe('default: all not finished'),
  owner: z.string().max(40).optional(),
  assignee: z.string().max(40).optional(),
  mine: z.boolean().optional().describe('tasks I own or am assigned'),
  ready: z.boolean().optional().describe('only tasks I could claim now'),
  label: z.union([Label, Labels]).optional(),
  text: z.string().trim().min(1).max(200).optional().describe('search title and description'),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

/**
 * Tasks in the actor's team, highest priority first, then by number. Without `status`,
 * finished (done, failed, cancelled) tasks are left out. Returns a page and `nextCursor`.
 * Errors: `not_found` for an unknown owner/assignee name; `invalid` for a bad cursor.
 */
export async function listTasks(ctx: Ctx, input: unknown): Promise<{ tasks: Task[]; nextCursor: string | null }> {
  const p = parseInput(ListTasks, input);
  const me = requireActor(ctx);
  let q = ctx.db.selectFrom('tasks').selectAll().where('team_id', '=', me.teamId);
  if (p.status !== undefined) {
    q = q.where('status', 'in', Array.isArray(p.status) ? p.status : [p.status]);
  } else if (!p.ready) {
    q = q.where('status', 'not in', TERMINAL_STATUSES);
  }
  if (p.owner) q = q.where('owner_id', '=', (await resolveTeammate(ctx, me.teamId, p.owner)).id);
  if (p.assignee) q = q.where('assignee_id', '=', (await resolveTeammate(ctx, me.teamId, p.assignee)).id);
  if (p.mine) q = q.where((eb) => eb.or([eb('owner_id', '=', me.id), eb('assignee_id', '=', me.id)]));
  if (p.ready) {
    q = q
      .where('status', '=', 'open')
      .where('owner_id', 'is', null)
      .where((eb) => eb.or([eb('assignee_id', 'is', null), eb('assignee_id', '=', me.id)]))
      .where(notBlocked);
  }
  const labels = p.label === undefined ? [] : Array.isArray(p.label) ? p.label : [p.label];
  for (const label of labels) {
    q = q.where('id', 'in', (eb) => eb.selectFrom('task_labels').select('task_id').where('label', '=', label));
  }
  if (p.text) {
    const like = `%${p.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`${eb.ref('title')} LIKE ${like} ESCAPE '\\'`,
        sql<boolean>`${eb.ref('description')} LIKE ${like} ESCAPE '\\'`,
      ]),
    );
  }
  if (p.cursor) {
    const m = /^(\d+):(\d+)$/.exec(p.cursor);
    if (!m) throw new DomainError('invalid', 'cursor: not a cursor from a previous task_list result');
    const rank = Number(m[1]);
    const num = Number(m[2]);
    q = q.where((eb) =>
      eb.or([eb('priority_rank', '<', rank), eb.and([eb('priority_rank', '=', rank), eb('number', '>', num)])]),
    );
  }
  const rows = await q
    .orderBy('priority_rank', 'desc')
    .orderBy('number', 'asc')
    .limit(p.limit + 1)
    .execute();
  const page = rows.slice(0, p.limit);
  const last = page[page.length - 1];
  return {
    tasks: await loadTasks(ctx, page),
    nextCursor: rows.length > p.limit && last ? `${last.priority_rank}:${last.number}` : null,
  };
}

export const GetTask = z.strictObject({
  task: TaskRef,
  threadLimit: z.number().int().min(0).max(200).default(20).describe('newest thread messages to include'),
});

export interface TaskDetail {
  task: Task;
  /** The newest thread messages, oldest first. */
  thread: Message[];
  events: TaskEvent[];
  reviews: Review[];
  /** Tasks that depend on this one. */
  dependents: TaskSummary[];
}

/** One task with its thread tail, event history, reviews and dependents. Errors: `not_found`. */
export async function getTask(ctx: Ctx, input: unknown): Promise<TaskDetail> {
  const p = parseInput(GetTask, input);
  const me = requireActor(ctx);
  const row = await resolveTaskRow(ctx, me.teamId, p.task);
  const [task, tail, events, reviews, dependents] = await Promise.all([
    loadTask(ctx, row),
    threadTail(ctx, row.thread_id, p.threadLimit),
    ctx.db
      .selectFrom('task_events')
      .leftJoin('agents', 'agents.id', 'task_events.actor_id')
      .selectAll('task_events')
      .select('agents.name as actor_name')
      .where('task_events.task_id', '=', row.id)
      .orderBy('task_events.id')
      .execute(),
    ctx.db.selectFrom('reviews').selectAll().where('task_id', '=', row.id).orderBy('id').execute(),
    ctx.db
      .selectFrom('tasks')
      .select(['id', 'number', 'title', 'status'])
      .where('id', 'in', (eb) =>
        eb.selectFrom('task_dependencies').select('task_id').where('depends_on_id', '=', row.id),
      )
      .orderBy('number')
      .execute(),
  ]);
  const reviewNames = await agentNames(
    ctx,
    reviews.flatMap((r) => [r.requested_by, r.reviewer_id, r.submitted_by]),
  );
  return {
    task,
    thread: p.threadLimit === 0 ? [] : tail.messages,
    events: events.map((e) => toTaskEvent(e, e.actor_name)),
    reviews: reviews.map((r) => toReview(r, reviewNames)),
    dependents: dependents.map(toSummary),
  };
}

// ---------------------------------------------------------------------------------------------
// Claim, release, lease expiry

export const ClaimTask = z.strictObject({
  task: TaskRef.optional().describe('omit to claim the highest-priority ready task'),
  labels: Labels.optional().describe('with no task: only tasks carrying all these labels'),
});

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
    throw new DomainError('not_found', `no ready task${labels} to claim (see task_list {ready:true})`);
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
  return won;
}

/** Why a claim on `taskId` missed: held, reserved, blocked, or finished. */
async function explainClaimMiss(tx: Ctx, me: Agent, taskId: string): Promise<DomainError> {
  const row = await tx.db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
  if (row.owner_id) {
    const holder = await nameOf(tx, row.owner_id);
    return new DomainError('conflict', `${ref(row)} is already held by ${holder} (${row.status})`, {
      holder,
      status: row.status,
    });
  }
  if (row.status !== 'open') {
    return new DomainError('conflict', `${ref(row)} is ${row.status}; only open tasks can be claimed`, {
      status: row.status,
    });
  }
  if (row.assignee_id && row.assignee_id !== me.id) {
    const who = await nameOf(tx, row.assignee_id);
    return new DomainError('conflict', `${ref(row)} is reserved for ${who}`, { assignee: who });
  }
  const blockers = await blockersOf(tx, row.id);
  return new DomainError('conflict', `${ref(row)} is blocked by ${describeTasks(blockers)}`, {
    blockedBy: blockers,
  });
}

export const ReleaseTask = z.strictObject({
  task: TaskRef,
  note: ShortText(2000).optional().describe('why, and what state you leave it in'),
});

/**
 * Gives a held task back: status open, no owner (a reservation for the releaser is dropped).
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
        status: 'open',
        owner_id: null,
        claimed_at: null,
        lease_expires_at: null,
        handoff_to_id: null,
        handoff_note: null,
        handoff_at: null,
        ...(row.assignee_id === prevOwner && { assignee_id: null }),
      },
      (eb) => eb.and([eb('status', '=', 'in_progress'), eb('version', '=', row.version)]),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while releasing; try again`);
    await recordEvent(tx, next, 'released', { note: p.note ?? null, previousOwner: await nameOf(tx, prevOwner) });
    await notifyTask(tx, next, `${me.name} released ${ref(next)}; it is open again.${p.note ? `\n\n${p.note}` : ''}`, [
      next.creator_id,
      prevOwner,
    ]);
    return loadTask(tx, next);
  });
}

/**
 * Returns every in-progress task whose lease ran out to `open` (keeping its assignee, so a
 * reserved task goes back to that agent), logs `lease_expired` (no actor: the server did it),
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
          status: 'open',
          owner_id: null,
          claimed_at: null,
          lease_expires_at: null,
          handoff_to_id: null,
          handoff_note: null,
          handoff_at: null,
        },
        (eb) => eb.and([eb('status', '=', 'in_progress'), eb('lease_expires_at', '<', now)]),
      );
      if (!next) return false;
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

// ---------------------------------------------------------------------------------------------
// Update and comment

export const UpdateTask = z.strictObject({
  task: TaskRef,
  note: BodyText(1_000_000).optional().describe('progress note, posted in the task thread'),
  title: ShortText(500).optional(),
  description: BodyText(1_000_000).optional(),
  priority: Priority.optional(),
  labels: Labels.optional().describe('replaces the labels'),
  dependsOn: TaskRefs.optional().describe('replaces the dependencies'),
  version: z.number().int().positive().optional().describe('fail with conflict if the task changed since'),
});

/**
 * Edits a task and/or posts a progress note. The owner, the creator, a human or a team admin
 * may update; a note from the owner also renews the lease (as any activity does).
 * Errors: `forbidden`, `conflict` (finished task, or `version` mismatch), `invalid` (nothing to
 * change, dependency cycle), `not_found`.
 */
export async function updateTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(UpdateTask, input);
  const me = requireActor(ctx);
  const edits = (['title', 'description', 'priority', 'labels', 'dependsOn'] as const).filter(
    (k) => p[k] !== undefined,
  );
  if (edits.length === 0 && p.note === undefined) {
    throw new DomainError('invalid', 'nothing to update: give a note or a field to change');
  }
  if (p.title) checkTitle(ctx, p.title);
  if (p.description) checkBodySize(ctx, p.description, 'description');
  if (p.note) checkBodySize(ctx, p.note, 'note');
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    if (row.owner_id !== me.id && row.creator_id !== me.id && !isPrivileged(tx)) {
      throw new DomainError(
        'forbidden',
        `only the owner or the creator can update ${ref(row)}; comment in its thread instead`,
      );
    }
    if (p.version !== undefined && p.version !== row.version) {
      throw new DomainError('conflict', `${ref(row)} is at version ${row.version}, not ${p.version}; reload it`, {
        version: row.version,
      });
    }
    if (edits.length > 0) assertNotTerminal(row, 'edit');
    const next = await updateIf(
      tx,
      row.id,
      {
        ...(p.title !== undefined && { title: p.title }),
        ...(p.description !== undefined && { description: p.description }),
        ...(p.priority !== undefined && { priority: p.priority, priority_rank: PRIORITY_RANK[p.priority] }),
      },
      (eb) => eb('version', '=', row.version),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while updating; try again`);
    if (p.labels) await setLabels(tx, row.id, p.labels);
    if (p.dependsOn) await setDependencies(tx, row, p.dependsOn);
    if (edits.length > 0) await recordEvent(tx, next, 'updated', { fields: edits });
    if (p.note) {
      await recordEvent(tx, next, 'progress', { note: p.note.slice(0, 200) });
      await notifyTask(tx, next, p.note, [next.creator_id, next.owner_id, next.assignee_id], 'status');
    }
    return loadTask(tx, next);
  });
}

export const CommentOnTask = z.strictObject({
  task: TaskRef,
  message: BodyText(1_000_000).describe('Markdown'),
});

/**
 * Posts a comment in a task's thread, delivered to its creator, owner and assignee.
 * Any teammate may comment. Errors: `not_found`, `too_large`.
 */
export async function commentOnTask(ctx: Ctx, input: unknown): Promise<Message> {
  const p = parseInput(CommentOnTask, input);
  const me = requireActor(ctx);
  checkBodySize(ctx, p.message, 'message');
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    await recordEvent(tx, row, 'commented', {});
    return notifyTask(tx, row, p.message, [row.creator_id, row.owner_id, row.assignee_id], 'message');
  });
}

// ---------------------------------------------------------------------------------------------
// Delegate and hand off

export const DelegateTask = z.strictObject({
  task: TaskRef,
  to: z.string().min(1).max(40).describe('teammate who should do it'),
  note: ShortText(4000).optional(),
});

/**
 * Reserves a task for another teammate (sets its assignee) with a note that lands in the
 * thread and their inbox; they claim it when they start. A task held by someone else is
 * released to the new assignee. The creator, the owner, a human or a team admin may delegate.
 * Errors: `forbidden`, `conflict` (finished or in review), `not_found` (task or teammate).
 */
export async function delegateTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(DelegateTask, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    if (row.creator_id !== me.id && row.owner_id !== me.id && !isPrivileged(tx)) {
      throw new DomainError('forbidden', `only the creator or the owner can delegate ${ref(row)}`);
    }
    assertNotTerminal(row, 'delegate');
    if (row.status === 'in_review') {
      throw new DomainError('conflict', `${ref(row)} is in review; wait for the verdict before delegating`);
    }
    const to = await resolveTeammate(tx, me.teamId, p.to);
    const keepsOwner = row.owner_id === to.id;
    const next = await updateIf(
      tx,
      row.id,
      {
        assignee_id: to.id,
        ...(!keepsOwner &&
          row.owner_id && {
            status: 'open',
            owner_id: null,
            claimed_at: null,
            lease_expires_at: null,
            handoff_to_id: null,
            handoff_note: null,
            handoff_at: null,
          }),
      },
      (eb) => eb('version', '=', row.version),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while delegating; try again`);
    await recordEvent(tx, next, 'delegated', {
      to: to.name,
      note: p.note ?? null,
      ...(row.owner_id && !keepsOwner && { previousOwner: await nameOf(tx, row.owner_id) }),
    });
    await notifyTask(
      tx,
      next,
      `${me.name} delegated ${ref(next)} to ${to.name}.${keepsOwner ? '' : ' Claim it with task_claim when you start.'}${
        p.note ? `\n\n${p.note}` : ''
      }`,
      [to.id, row.owner_id, row.creator_id],
      'handoff',
    );
    return loadTask(tx, next);
  });
}

export const HandoffTask = z.strictObject({
  task: TaskRef,
  to: z.string().min(1).max(40).describe('teammate to take over'),
  note: BodyText(1_000_000).describe('hand-off notes: what is done, what is left, where'),
});

/**
 * Offers a held task to another teammate with hand-off notes. The task stays yours until they
 * accept (task_respond_handoff). Errors: `forbidden` (not the owner), `conflict` (not in
 * progress, or an offer is already pending), `invalid` (to yourself), `not_found`.
 */
export async function handoffTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(HandoffTask, input);
  const me = requireActor(ctx);
  checkBodySize(ctx, p.note, 'note');
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    await assertOwner(tx, row, 'hand off');
    if (row.status !== 'in_progress') {
      throw new DomainError('conflict', `${ref(row)} is ${row.status}; only a task in progress can be handed off`);
    }
    const to = await resolveTeammate(tx, me.teamId, p.to);
    if (to.id === row.owner_id) throw new DomainError('invalid', `${to.name} already owns ${ref(row)}`);
    if (row.handoff_to_id) {
      const pending = await nameOf(tx, row.handoff_to_id);
      throw new DomainError('conflict', `a hand-off of ${ref(row)} to ${pending} is already pending`, { pending });
    }
    const next = await updateIf(
      tx,
      row.id,
      { handoff_to_id: to.id, handoff_note: p.note, handoff_at: tx.now() },
      (eb) => eb.and([eb('version', '=', row.version), eb('handoff_to_id', 'is', null)]),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while handing off; try again`);
    await recordEvent(tx, next, 'handoff_offered', { to: to.name, note: p.note });
    await notifyTask(
      tx,
      next,
      `${me.name} offers you ${ref(next)}. Accept or decline with task_respond_handoff.\n\nHand-off notes:\n${p.note}`,
      [to.id],
      'handoff',
    );
    return loadTask(tx, next);
  });
}

export const RespondHandoff = z.strictObject({
  task: TaskRef,
  accept: z.boolean().describe('true: you become the owner; false: the owner keeps it'),
  note: ShortText(4000).optional(),
});

/**
 * Accepts (becoming owner, with a fresh lease) or declines a hand-off offered to the actor.
 * Errors: `forbidden` (no offer to you), `not_found`.
 */
export async function respondHandoff(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(RespondHandoff, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    if (row.handoff_to_id !== me.id) {
      throw new DomainError('forbidden', `no hand-off of ${ref(row)} is pending for you`);
    }
    const prevOwner = row.owner_id;
    const now = tx.now();
    const clear = { handoff_to_id: null, handoff_note: null, handoff_at: null };
    const next = await updateIf(
      tx,
      row.id,
      p.accept
        ? { ...clear, owner_id: me.id, assignee_id: me.id, claimed_at: now, lease_expires_at: now + tx.limits.leaseMs }
        : clear,
      (eb) => eb.and([eb('version', '=', row.version), eb('handoff_to_id', '=', me.id)]),
    );
    if (!next) throw new DomainError('conflict', `${ref(row)} changed while responding; try again`);
    await recordEvent(tx, next, p.accept ? 'handoff_accepted' : 'handoff_declined', {
      from: await nameOf(tx, prevOwner),
      note: p.note ?? null,
    });
    await notifyTask(
      tx,
      next,
      `${me.name} ${p.accept ? 'accepted' : 'declined'} the hand-off of ${ref(next)}${
        p.accept ? ' and owns it now' : '; it stays yours'
      }.${p.note ? `\n\n${p.note}` : ''}`,
      [prevOwner, row.creator_id],
      'handoff',
    );
    return loadTask(tx, next);
  });
}

// ---------------------------------------------------------------------------------------------
// Complete, fail, cancel

export const CompleteTask = z.strictObject({
  task: TaskRef,
  result: BodyText(1_000_000).optional().describe('what was done (Markdown), e.g. commit, PR, notes'),
  failed: z.boolean().default(false).describe('true: mark failed instead of done'),
});

/**
 * Finishes a task in progress as `done` (no review needed) or `failed`. Owner, human or team
 * admin only. Done requires every dependency finished; tasks waiting on this one are told they
 * are ready. Errors: `forbidden`, `conflict` (blocked, in review, or not in progress).
 */
export async function completeTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(CompleteTask, input);
  const me = requireActor(ctx);
  if (p.result) checkBodySize(ctx, p.result, 'result');
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    await assertOwner(tx, row, p.failed ? 'fail' : 'complete');
    if (row.status === 'in_review') {
      throw new DomainError('conflict', `${ref(row)} is in review; it is done when the reviewer approves`);
    }
    if (row.status !== 'in_progress') {
      throw new DomainError('conflict', `${ref(row)} is ${row.status}; only a task in progress can be completed`);
    }
    if (!p.failed) {
      const blockers = await blockersOf(tx, row.id);
      if (blockers.length > 0) {
        throw new DomainError('conflict', `${ref(row)} is blocked by ${describeTasks(blockers)}; finish those first`, {
          blockedBy: blockers,
        });
      }
    }
    const status = p.failed ? 'failed' : 'done';
    const next = await finish(tx, row, status, { result: p.result ?? null });
    await notifyTask(
      tx,
      next,
      `${me.name} ${p.failed ? 'marked as failed' : 'completed'} ${ref(next)}.${p.result ? `\n\n${p.result}` : ''}`,
      [next.creator_id, next.assignee_id],
    );
    if (status === 'done') await announceReadyDependents(tx, next);
    return loadTask(tx, next);
  });
}

/**
 * Moves a task to a terminal status (done, failed, cancelled), clearing lease and hand-off,
 * cancelling pending reviews, and logging `status_changed`. Shared with the review operations.
 * Errors: `conflict` when the task changed underneath.
 */
export async function finish(
  tx: Ctx,
  row: TaskRow,
  status: 'done' | 'failed' | 'cancelled',
  extra: { result?: string | null; reason?: string | null } = {},
): Promise<TaskRow> {
  const now = tx.now();
  const next = await updateIf(
    tx,
    row.id,
    {
      status,
      completed_at: now,
      lease_expires_at: null,
      handoff_to_id: null,
      handoff_note: null,
      handoff_at: null,
      ...(extra.result !== undefined && extra.result !== null && { result: extra.result }),
    },
    (eb) => eb('version', '=', row.version),
  );
  if (!next) throw new DomainError('conflict', `${ref(row)} changed underneath; reload and try again`);
  await tx.db
    .updateTable('reviews')
    .set({ status: 'cancelled', updated_at: now })
    .where('task_id', '=', row.id)
    .where('status', '=', 'pending')
    .execute();
  await recordEvent(tx, next, 'status_changed', {
    from: row.status,
    to: status,
    ...(extra.reason && { reason: extra.reason }),
  });
  return next;
}

export const CancelTask = z.strictObject({
  task: TaskRef,
  reason: ShortText(2000).optional(),
});

/**
 * Cancels a task that is not finished. The creator, the owner, a human or a team admin may
 * cancel; the owner, assignee and creator are told. Dependents no longer wait on it.
 * Errors: `forbidden`, `conflict` (already finished), `not_found`.
 */
export async function cancelTask(ctx: Ctx, input: unknown): Promise<Task> {
  const p = parseInput(CancelTask, input);
  const me = requireActor(ctx);
  return withTx(ctx, async (tx) => {
    const row = await resolveTaskRow(tx, me.teamId, p.task);
    if (row.creator_id !== me.id && row.owner_id !== me.id && !isPrivileged(tx)) {
      throw new DomainError('forbidden', `only the creator or the owner can cancel ${ref(row)}`);
    }
    assertNotTerminal(row, 'cancel');
    const next = await finish(tx, row, 'cancelled', { reason: p.reason ?? null });
    await notifyTask(tx, next, `${me.name} cancelled ${ref(next)}.${p.reason ? `\n\n${p.reason}` : ''}`, [
      row.creator_id,
      row.owner_id,
      row.assignee_id,
    ]);
    await announceReadyDependents(tx, next);
    return loadTask(tx, next);
  });
}
