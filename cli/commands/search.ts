/** `switchboard search QUERY`: full-text search over the team's messages and tasks (GET /api/v1/search). */
import { type Command, Option } from 'commander';
import type { SearchHit, SearchResult } from '../../server/ops/search.js';
import { ago } from '../../server/text-format.js';
import { apiAction, wholeNumber, withApiOptions } from '../client.js';
import { indent } from '../format.js';
import { pick } from './teammates.js';

/** `message from alice in #3 "Title", 2 h ago (thread 01J…)` or `task #3 "Title" [open], by alice, changed 2 h ago`, over the snippet. */
export function hitText(h: SearchHit): string {
  const head =
    h.kind === 'task' && h.task
      ? `task #${h.task.number} "${h.task.title}" [${h.task.status}], created by ${h.from}, changed ${ago(h.at)}`
      : `message ${h.id} from ${h.from}${h.task ? ` in #${h.task.number} "${h.task.title}"` : h.threadKind === 'direct' ? ' (direct)' : ` in "${h.threadSubject ?? h.subject ?? 'untitled'}"`}, ${ago(h.at)} (thread ${h.threadId})`;
  return `${head}\n${indent(h.snippet, '    ')}`;
}

export function registerSearchCommand(program: Command): void {
  withApiOptions(
    program
      .command('search')
      .description('full-text search of the team\'s messages and tasks you can see, best first ("phrase", OR, -word)')
      .argument('<query...>', 'words to find (all must occur)')
      .addOption(new Option('--in <where>', 'messages, tasks or all (default)').choices(['messages', 'tasks', 'all']))
      .option('--thread <id>', 'only this thread')
      .option('--from <name>', 'only what this teammate sent (or the tasks it created)')
      .option('--since <when>', 'ISO time or age: 30m, 12h, 7d')
      .option('--limit <n>', 'at most n hits (default 10)', wholeNumber),
  ).action(
    apiAction(async (client, o, words: string[]) => {
      const r = await client.get<SearchResult>('/search', {
        q: words.join(' '),
        ...(pick(o, ['in', 'thread', 'from', 'since', 'limit']) as Record<string, string | number>),
      });
      const hits = r.hits.length ? r.hits.map(hitText).join('\n\n') : 'No hits.';
      return { json: r, text: `${hits}${r.more ? '\n\nMore hits: raise --limit or add words.' : ''}` };
    }),
  );
}
