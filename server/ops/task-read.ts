/**
 * Loading tasks: resolving a task reference, and turning task rows into `Task` objects with
 * their labels, dependencies (and the derived `blocked`), and agent names, in batched queries.
 * Shared by the task, review and board operations.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import type { TaskRow } from '../db/schema.js';
import { DomainError } from '../errors.js';
import { agentNames } from './agents.js';
import type { Ctx } from './context.js';
import { iso, isoOrNull, type PlanState, type Task, type TaskSummary, toSummary } from './model.js';
import type { TaskStatus } from './schemas.js';

/**
 * A dependency no longer blocks once it is `done` or `cancelled` (closed, as in Beads);
 * a `failed` dependency keeps blocking until someone removes or redoes it.
 */
export const SATISFIED_STATUSES: readonly TaskStatus[] = ['done', 'cancelled'];

/** The largest task number the schema holds (`tasks.number` INTEGER). */
const MAX_TASK_NUMBER = 2_147_483_647;

/**
 * The row of the task `ref` names in `teamId`: a ULID, a number (12) or "#12".
 * Errors: `not_found`.
 */
export async function resolveTaskRow(ctx: Ctx, teamId: string, ref: string | number): Promise<TaskRow> {
  const text = String(ref).trim();
  const num = /^#?\d+$/.test(text) ? Number(text.replace('#', '')) : null;
  let q = ctx.db.selectFrom('tasks').selectAll().where('team_id', '=', teamId);
  q = num !== null ? q.where('number', '=', num) : q.where('id', '=', text);
  // Task numbers are 32-bit in the schema (PostgreSQL INTEGER); a larger one names no task.
  const row = num !== null && num > MAX_TASK_NUMBER ? undefined : await q.executeTakeFirst();
  if (!row) {
    throw new DomainError('not_found', `no task ${num !== null ? `#${num}` : text} in your team (see task_list)`, {
      task: text,
    });
  }
  return row;
}

/**
 * A condition: `text` occurs in the task's title or description (`columns`, e.g. `tasks.title`),
 * ignoring ASCII case on both dialects: SQLite's LIKE ignores it, PostgreSQL's does not. The
 * column is lowered by the database (ASCII only on both: SQLite's lower(), and PostgreSQL's under
 * the C collation of these columns) and the pattern here, ASCII only too, so that other letters
 * compare exactly on both. `%`, `_` and `\` in `text` match themselves.
 */
export function textMatches(columns: string[], text: string): Expression<SqlBool> {
  const lowered = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const like = `%${lowered.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const each = columns.map((c) => sql<SqlBool>`lower(${sql.ref(c)}) LIKE ${like} ESCAPE '\\'`);
  return sql<SqlBool>`(${sql.join(each, sql` OR `)})`;
}

export { toSummary };

/** Turns rows into Tasks (same order), loading labels, dependencies and names in batches. */
export async function loadTasks(ctx: Ctx, rows: TaskRow[]): Promise<Task[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [labels, deps, plans] = await Promise.all([
    ctx.db
      .selectFrom('task_labels')
      .select(['task_id', 'label'])
      .where('task_id', 'in', ids)
      .orderBy('label')
      .execute(),
    ctx.db
      .selectFrom('task_dependencies')
      .innerJoin('tasks', 'tasks.id', 'task_dependencies.depends_on_id')
      .select([
        'task_dependencies.task_id as task_id',
        'tasks.id as id',
        'tasks.number as number',
        'tasks.title as title',
        'tasks.status as status',
      ])
      .where('task_dependencies.task_id', 'in', ids)
      .orderBy('tasks.number')
      .execute(),
    ctx.db
      .selectFrom('reviews')
      .select(['task_id', 'status'])
      .where('task_id', 'in', ids)
      .where('kind', '=', 'plan')
      .where('status', '!=', 'cancelled')
      .orderBy('id', 'desc')
      .execute(),
  ]);
  const names = await agentNames(
    ctx,
    rows.flatMap((r) => [r.creator_id, r.owner_id, r.assignee_id, r.handoff_to_id]),
  );
  const labelsBy = group(labels, (l) => l.task_id);
  const depsBy = group(deps, (d) => d.task_id);
  // Newest first, so the first row per task is where its plan stands.
  const planBy = new Map<string, PlanState>();
  for (const r of plans) if (!planBy.has(r.task_id)) planBy.set(r.task_id, r.status as PlanState);
  return rows.map((r) => {
    const dependsOn = (depsBy.get(r.id) ?? []).map(toSummary);
    const blockedBy = dependsOn.filter((d) => !SATISFIED_STATUSES.includes(d.status));
    const name = (id: string | null) => (id === null ? null : (names.get(id) ?? null));
    return {
      id: r.id,
      number: r.number,
      title: r.title,
      description: r.description,
      status: r.status,
      blocked: blockedBy.length > 0 && !SATISFIED_STATUSES.includes(r.status) && r.status !== 'failed',
      priority: r.priority,
      labels: (labelsBy.get(r.id) ?? []).map((l) => l.label),
      creator: name(r.creator_id) ?? r.creator_id,
      owner: name(r.owner_id),
      assignee: name(r.assignee_id),
      parentId: r.parent_id,
      dependsOn,
      blockedBy,
      threadId: r.thread_id,
      claimedAt: isoOrNull(r.claimed_at),
      leaseExpiresAt: isoOrNull(r.lease_expires_at),
      handoff:
        r.handoff_to_id && r.handoff_at !== null
          ? { to: name(r.handoff_to_id) ?? r.handoff_to_id, note: r.handoff_note, at: iso(r.handoff_at) }
          : null,
      plan: planBy.get(r.id) ?? null,
      result: r.result,
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
      completedAt: isoOrNull(r.completed_at),
      version: r.version,
    };
  });
}

export async function loadTask(ctx: Ctx, row: TaskRow): Promise<Task> {
  return (await loadTasks(ctx, [row]))[0] as Task;
}

/** An unfinished dependency, with who holds it (null: nobody has claimed it). */
export interface Blocker extends TaskSummary {
  owner: string | null;
}

/** The unfinished dependencies of a task (what blocks claim and complete), by number. */
export async function blockersOf(ctx: Ctx, taskId: string): Promise<Blocker[]> {
  const rows = await ctx.db
    .selectFrom('task_dependencies')
    .innerJoin('tasks', 'tasks.id', 'task_dependencies.depends_on_id')
    .leftJoin('agents', 'agents.id', 'tasks.owner_id')
    .select(['tasks.id', 'tasks.number', 'tasks.title', 'tasks.status', 'agents.name as owner'])
    .where('task_dependencies.task_id', '=', taskId)
    .where('tasks.status', 'not in', SATISFIED_STATUSES)
    .orderBy('tasks.number')
    .execute();
  return rows.map((r) => ({ ...toSummary(r), owner: r.owner }));
}

/** `#3 "Schema" (in_progress, owner bob), #4 "API" (open)` */
export function describeTasks(list: (TaskSummary & { owner?: string | null })[]): string {
  return list.map((t) => `#${t.number} "${t.title}" (${t.status}${t.owner ? `, owner ${t.owner}` : ''})`).join(', ');
}

function group<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
