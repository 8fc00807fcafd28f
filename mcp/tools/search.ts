/** MCP tool `teammate_search`: full-text search over the team's messages and tasks. */
import { type SearchHit, type SearchResult, SearchTeam, searchTeam } from '../../server/ops/search.js';
import { ago, FRAMING, quote, taskRef } from '../../server/text-format.js';
import { defineTool, READ_ONLY } from '../tool.js';

/** Where a hit is, as a model names it: the task, the thread, who and when. */
function hitHead(h: SearchHit, i: number, now: number): string {
  const when = ago(h.at, now);
  if (h.kind === 'task' && h.task) {
    return `${i}. Task ${taskRef(h.task)} [${h.task.status}], created by ${h.from} (changed ${when})`;
  }
  const where = h.task
    ? `in ${taskRef(h.task)}`
    : h.threadKind === 'direct'
      ? 'in a direct thread'
      : `in topic "${h.threadSubject ?? h.subject ?? 'untitled'}"`;
  return `${i}. From ${h.from}, ${where} (${when}; message ${h.id}; thread ${h.threadId})`;
}

function searchText(r: SearchResult, now: number): string {
  if (r.hits.length === 0) {
    return 'No hits in the messages and tasks you can see. Next: try other or fewer words, or drop a filter.';
  }
  const hits = r.hits.map((h, i) => `${hitHead(h, i + 1, now)}\n${quote(h.snippet || '(no text)')}`).join('\n');
  const more = r.more ? ' More hits: raise limit or add words.' : '';
  return `${r.hits.length} hit(s), best first. ${FRAMING}\n\n${hits}\n\nNext: teammate_read_thread {thread: ID} for a message's conversation, task_get {task: "#N"} for a task.${more}`;
}

export const searchTools = [
  defineTool({
    name: 'teammate_search',
    title: 'Search messages and tasks',
    description: 'Full-text search of your team’s messages and tasks, best first, with snippets.',
    input: SearchTeam,
    annotations: READ_ONLY,
    run: (ctx, args) => searchTeam(ctx, args),
    text: (r: SearchResult, ctx) => searchText(r, ctx.now()),
  }),
];
