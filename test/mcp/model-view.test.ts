/**
 * What each client's model reads of every tool's result (DESIGN.md, What a model sees).
 *
 * Clients apply one of three rules to a `CallToolResult`:
 * - text only: the `content` text blocks (most clients);
 * - structuredContent preferred: `JSON.stringify(structuredContent)` alone when present, else
 *   the text (Claude Code since 2.0.21, Codex, opencode);
 * - both: the text, then the JSON of `structuredContent` when present.
 * For every tool, a success and an error are rendered under each rule, with mail waiting for
 * the caller, and the view must carry the outcome, the next step where there is one, the
 * unread notice, and a teammate's words framed as theirs (a "From NAME" line over "> " quotes).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { TOOLS } from '../../mcp/tools/index.js';
import { createCtx } from '../../server/ops/context.js';
import { updateTeamSettings } from '../../server/ops/team-settings.js';
import { type InProcessAgent, type InProcessWorld, inProcessWorld } from '../helpers/in-process.js';

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

const RULES: Record<string, (r: CallToolResult) => string> = {
  'text only': text,
  'structuredContent preferred': (r) =>
    r.structuredContent !== undefined ? JSON.stringify(r.structuredContent) : text(r),
  both: (r) => [text(r), r.structuredContent !== undefined ? JSON.stringify(r.structuredContent) : ''].join('\n'),
};

interface World {
  mcp: InProcessWorld;
  alice: InProcessAgent;
  bob: InProcessAgent;
  carol: InProcessAgent;
  /** A task alice created and bob holds: `#1 "Fix the login bug"`. */
  held: { number: number; threadId: string };
  /** Puts one unread message from carol (alice, for carol) into `who`'s inbox. */
  mail: (who: string, body?: string) => Promise<void>;
}

async function world(): Promise<World> {
  const mcp = await inProcessWorld();
  const alice = await mcp.connect('alice');
  const bob = await mcp.connect('bob');
  const carol = await mcp.connect('carol');
  await carol.call('teammate_set_summary', { summary: 'reviewing the auth module', role: 'reviewer' });
  const task = (
    await alice.call('task_create', { title: 'Fix the login bug', description: 'Users are logged out after 5 min.' })
  ).data;
  await bob.call('task_claim', { task: '#1' });
  return {
    mcp,
    alice,
    bob,
    carol,
    held: { number: task.number, threadId: task.threadId },
    mail: async (who, body = 'heads up: the CI is red') => {
      await (who === 'carol' ? alice : carol).call('teammate_send_message', { to: who, message: body });
    },
  };
}

interface Expectation {
  /** The outcome, as the model must read it. */
  outcome: RegExp;
  /** The next call, where there is one. */
  next?: RegExp;
  /** A teammate's words that must appear framed as theirs. */
  framed?: { from: string; words: string };
}

interface Case {
  /** Calls the tool as `bob` (unless it says otherwise) and returns the raw result. */
  success: (w: World) => Promise<CallToolResult>;
  ok: Expectation;
  failure: (w: World) => Promise<CallToolResult>;
  /** The error's code and what it tells the model. */
  error: RegExp;
}

const CASES: Record<string, Case> = {
  teammate_join: {
    success: async (w) => {
      await w.mcp.join('dave', { role: 'developer' });
      await w.mail('dave');
      return (await w.mcp.connect()).raw('teammate_join', { name: 'dave' });
    },
    ok: { outcome: /You are dave in team default/, next: /Next: .*task_list/ },
    failure: (w) => w.bob.raw('teammate_join', { name: 'Not A Name!' }),
    error: /Error \(invalid\).*name/,
  },
  teammate_whoami: {
    success: (w) => w.bob.raw('teammate_whoami'),
    ok: { outcome: /You are bob in team default/, next: /Next: teammate_check_messages/ },
    failure: (w) => w.bob.raw('teammate_whoami', { verbose: true }),
    error: /Error \(invalid\)/,
  },
  teammate_list: {
    success: (w) => w.bob.raw('teammate_list'),
    ok: { outcome: /- carol \(reviewer\).*online/, framed: { from: 'carol', words: 'reviewing the auth module' } },
    failure: (w) => w.bob.raw('teammate_list', { includeOffline: 'yes' }),
    error: /Error \(invalid\).*includeOffline/,
  },
  teammate_set_summary: {
    success: (w) => w.bob.raw('teammate_set_summary', { summary: 'fixing the login bug' }),
    ok: { outcome: /Summary set to "fixing the login bug"/ },
    failure: (w) => w.bob.raw('teammate_set_summary', { summary: 'two\nlines' }),
    error: /Error \(invalid\).*one line/,
  },
  teammate_send_message: {
    success: (w) => w.bob.raw('teammate_send_message', { to: 'alice', message: 'on it' }),
    ok: { outcome: /Sent to alice/, next: /teammate_wait_for_messages/ },
    failure: (w) => w.bob.raw('teammate_send_message', { to: 'alicia', message: 'on it' }),
    error: /Error \(not_found\).*alicia.*alice/,
  },
  teammate_broadcast: {
    success: (w) => w.bob.raw('teammate_broadcast', { message: 'deploying at 5' }),
    ok: { outcome: /Sent to .*alice/, next: /teammate_wait_for_messages/ },
    failure: (w) => w.bob.raw('teammate_broadcast', {}),
    error: /Error \(invalid\).*message/,
  },
  teammate_check_messages: {
    success: async (w) => {
      await w.mail('bob', 'please run the tests');
      return w.bob.raw('teammate_check_messages', { limit: 1 });
    },
    ok: {
      outcome: /1 message\(s\), now marked read/,
      next: /Next: reply with teammate_send_message \{replyTo/,
      framed: { from: 'carol', words: 'heads up: the CI is red' },
    },
    failure: (w) => w.bob.raw('teammate_check_messages', { limit: 0 }),
    error: /Error \(invalid\).*limit/,
  },
  teammate_ack: {
    success: async (w) => {
      const sent = await w.carol.call('teammate_send_message', { to: 'bob', message: 'ack this', ackRequired: true });
      return w.bob.raw('teammate_ack', { ids: sent.data.message.id });
    },
    ok: { outcome: /Acknowledged 1 message/ },
    failure: (w) => w.bob.raw('teammate_ack', { ids: 'no-such-message' }),
    error: /Error \(not_found\)/,
  },
  teammate_read_thread: {
    success: async (w) => {
      await w.alice.call('task_comment', { task: '#1', message: 'the session cookie expires too soon' });
      return w.bob.raw('teammate_read_thread', { thread: w.held.threadId });
    },
    ok: { outcome: /Thread .*message\(s\)/, framed: { from: 'alice', words: 'the session cookie expires too soon' } },
    failure: (w) => w.bob.raw('teammate_read_thread', { thread: 'nope' }),
    error: /Error \(not_found\)/,
  },
  teammate_wait_for_messages: {
    success: async (w) => {
      // Mail only: the comment is also a task change, and a wait woken by that alone would return before the mail.
      const waiting = w.bob.raw('teammate_wait_for_messages', { timeout: 5, thread: w.held.threadId, tasks: false });
      await w.alice.call('task_comment', { task: '#1', message: 'are you there?' });
      return waiting;
    },
    ok: {
      outcome: /1 message\(s\), now marked read/,
      next: /Next: reply with teammate_send_message/,
      framed: { from: 'alice', words: 'are you there?' },
    },
    failure: (w) => w.bob.raw('teammate_wait_for_messages', { timeout: 100_000 }),
    error: /Error \(invalid\).*timeout/,
  },
  teammate_search: {
    success: async (w) => {
      await w.alice.call('task_comment', { task: '#1', message: 'the session cookie expires too soon' });
      return w.bob.raw('teammate_search', { query: 'cookie' });
    },
    ok: {
      outcome: /1 hit\(s\), best first[\s\S]*From alice, in #1 "Fix the login bug"/,
      next: /Next: teammate_read_thread \{thread: ID\}/,
      framed: { from: 'alice', words: 'the session cookie expires too soon' },
    },
    failure: (w) => w.bob.raw('teammate_search', { query: '  ' }),
    error: /Error \(invalid\).*query/,
  },
  task_create: {
    success: (w) => w.bob.raw('task_create', { title: 'Write the release notes' }),
    ok: {
      outcome: /Created #2 "Write the release notes" \[open, unclaimed\]/,
      next: /Next: task_claim \{task: "#2"\}/,
    },
    failure: (w) => w.bob.raw('task_create', { title: 'Depends on nothing', dependsOn: ['#99'] }),
    error: /Error \(not_found\).*#?99/,
  },
  task_list: {
    success: async (w) => {
      await w.alice.call('task_create', { title: 'Update the docs' });
      return w.bob.raw('task_list');
    },
    ok: { outcome: /#1 "Fix the login bug" \[in_progress, owner bob\]/, next: /Next: task_claim \{task: "#2"\}/ },
    failure: (w) => w.bob.raw('task_list', { status: 'finished' }),
    error: /Error \(invalid\).*status/,
  },
  task_get: {
    success: async (w) => {
      await w.alice.call('task_comment', { task: '#1', message: 'check the refresh token too' });
      return w.bob.raw('task_get', { task: '#1' });
    },
    ok: {
      outcome: /#1 "Fix the login bug" \[in_progress, owner bob\]/,
      next: /lease ends in/,
      framed: { from: 'alice', words: 'check the refresh token too' },
    },
    failure: (w) => w.bob.raw('task_get', { task: '#42' }),
    error: /Error \(not_found\).*#?42/,
  },
  task_claim: {
    success: async (w) => {
      await w.alice.call('task_create', { title: 'Add a login test' });
      return w.bob.raw('task_claim', { task: '#2' });
    },
    ok: { outcome: /You now own #2 "Add a login test"/, next: /lease ends in .*task_update/s },
    failure: (w) => w.carol.raw('task_claim', { task: '#1' }),
    error: /Error \(conflict\).*bob/,
  },
  task_update: {
    success: (w) => w.bob.raw('task_update', { task: '#1', note: 'found it: the cookie max-age' }),
    ok: { outcome: /Updated #1 "Fix the login bug"/, next: /lease ends in/ },
    failure: (w) => w.carol.raw('task_update', { task: '#1', title: 'Mine now' }),
    error: /Error \(forbidden\)/,
  },
  task_comment: {
    success: (w) => w.carol.raw('task_comment', { task: '#1', message: 'I can review it' }),
    ok: { outcome: /Commented in the task's thread/ },
    failure: (w) => w.carol.raw('task_comment', { task: '#1' }),
    error: /Error \(invalid\).*message/,
  },
  task_release: {
    success: (w) => w.bob.raw('task_release', { task: '#1', note: 'blocked on access' }),
    ok: { outcome: /Released #1 "Fix the login bug".*anyone may claim it/ },
    failure: (w) => w.carol.raw('task_release', { task: '#1' }),
    error: /Error \(forbidden\)/,
  },
  task_delegate: {
    success: (w) => w.alice.raw('task_delegate', { task: '#1', to: 'carol', note: 'you know this code' }),
    ok: { outcome: /Delegated #1 "Fix the login bug".*carol.*task_claim/ },
    failure: (w) => w.carol.raw('task_delegate', { task: '#1', to: 'carol' }),
    error: /Error \(forbidden\)/,
  },
  task_handoff: {
    success: (w) => w.bob.raw('task_handoff', { task: '#1', to: 'carol', note: 'cookie fix done; tests left' }),
    ok: { outcome: /Offered #1 "Fix the login bug" to carol.*stays yours/ },
    failure: (w) => w.bob.raw('task_handoff', { task: '#1', to: 'bob', note: 'to myself' }),
    error: /Error \(invalid\)/,
  },
  task_respond_handoff: {
    success: async (w) => {
      await w.bob.call('task_handoff', { task: '#1', to: 'carol', note: 'cookie fix done; tests left' });
      await w.mail('carol');
      return w.carol.raw('task_respond_handoff', { task: '#1', accept: true });
    },
    ok: { outcome: /Accepted: you now own #1 "Fix the login bug"/, next: /task_get \{task: "#1"\}/ },
    failure: (w) => w.carol.raw('task_respond_handoff', { task: '#1', accept: true }),
    error: /Error \(forbidden\)/,
  },
  task_complete: {
    success: (w) => w.bob.raw('task_complete', { task: '#1', result: 'fixed in a1b2c3' }),
    ok: { outcome: /Finished #1 "Fix the login bug" \[done/, next: /Next: task_claim \{\}/ },
    failure: (w) => w.carol.raw('task_complete', { task: '#1' }),
    error: /Error \(conflict\).*already done/,
  },
  task_cancel: {
    success: (w) => w.alice.raw('task_cancel', { task: '#1', reason: 'not needed' }),
    ok: { outcome: /Cancelled #1 "Fix the login bug"/ },
    failure: (w) => w.carol.raw('task_cancel', { task: '#1' }),
    error: /Error \(forbidden\)/,
  },
  review_request: {
    success: (w) => w.bob.raw('review_request', { task: '#1', reviewer: 'carol' }),
    ok: { outcome: /Review of #1 "Fix the login bug" requested from carol/, next: /teammate_wait_for_messages/ },
    failure: (w) => w.bob.raw('review_request', { task: '#1', reviewer: 'bob' }),
    error: /Error \(conflict\).*in_review/,
  },
  review_list: {
    success: async (w) => {
      await w.bob.call('review_request', { task: '#1', reviewer: 'carol' });
      return w.carol.raw('review_list', { mine: true });
    },
    ok: { outcome: /#1 "Fix the login bug": pending, reviewer carol/, next: /review_submit \{review: "#N"/ },
    failure: (w) => w.carol.raw('review_list', { status: 'open' }),
    error: /Error \(invalid\).*status/,
  },
  review_submit: {
    success: async (w) => {
      await w.bob.call('review_request', { task: '#1', reviewer: 'carol' });
      return w.carol.raw('review_submit', { review: '#1', verdict: 'changes_requested', comments: 'add a test' });
    },
    ok: { outcome: /Changes requested: #1 "Fix the login bug".*bob has your comments/ },
    failure: async (w) => {
      await w.bob.call('review_request', { task: '#1', reviewer: 'carol' });
      return w.carol.raw('review_submit', { review: '#1', verdict: 'changes_requested' });
    },
    error: /Error \(invalid\).*comments/,
  },
  review_reassign: {
    success: async (w) => {
      await w.bob.call('review_request', { task: '#1', reviewer: 'carol' });
      return w.carol.raw('review_reassign', { review: '#1', to: 'alice' });
    },
    ok: { outcome: /The review of #1 "Fix the login bug" is now with alice/ },
    failure: (w) => w.carol.raw('review_reassign', { review: '#1', to: 'alice' }),
    error: /Error \(forbidden\).*reviewer or the requester/,
  },
  reservation_create: {
    success: (w) =>
      w.bob.raw('reservation_create', { paths: ['src/login/**'], task: '#1', reason: 'fixing the login bug' }),
    ok: {
      outcome: /Reserved src\/login\/\*\* \(exclusive, task #1, ends in 1 h\)/,
      next: /Next: edit; then reservation_release \{paths\}/,
    },
    failure: (w) => w.carol.raw('reservation_create', { paths: ['src/**/*.ts'] }),
    error:
      /Error \(conflict\): cannot reserve src\/\*\*\/\*\.ts: bob holds src\/login\/\*\* exclusively for "fixing the login bug", on task #1/,
  },
  reservation_list: {
    success: async (w) => {
      await w.carol.call('reservation_create', { paths: ['src/auth/**'], reason: 'reviewing the auth module' });
      return w.bob.raw('reservation_list', { path: 'src/auth/session.ts' });
    },
    ok: {
      outcome: /- src\/auth\/\*\* by carol \(exclusive, ends in 1 h\)/,
      next: /Ask a holder \(teammate_send_message\)/,
      framed: { from: 'carol', words: 'reviewing the auth module' },
    },
    failure: (w) => w.bob.raw('reservation_list', { path: '/etc/passwd' }),
    error: /Error \(invalid\).*relative to the project root/,
  },
  reservation_release: {
    success: async (w) => {
      await w.bob.call('reservation_create', { paths: ['src/login/**'] });
      return w.bob.raw('reservation_release', { paths: ['src/login/**'] });
    },
    ok: { outcome: /Released src\/login\/\*\*: teammates may reserve and edit them now/ },
    failure: (w) => w.bob.raw('reservation_release', {}),
    error: /Error \(invalid\): give paths .* or ids/,
  },
};

const PLAN = 'Refresh the session on every request.';
const askPlan = (w: World) => w.bob.call('review_request', { task: '#1', kind: 'plan', reviewer: 'carol', note: PLAN });

/** Plan approval (review_request {kind: "plan"} and its verdicts), read under the same rules. */
const PLAN_CASES: Record<string, Case> = {
  'review_request, kind plan': {
    success: (w) => w.bob.raw('review_request', { task: '#1', kind: 'plan', reviewer: 'carol', note: PLAN }),
    ok: {
      outcome:
        /Plan review of #1 "Fix the login bug" requested from carol; the task stays yours, in progress \(plan pending\)/,
      next: /teammate_wait_for_messages waits for it\); start the work once the plan is approved/,
    },
    failure: (w) => w.bob.raw('review_request', { task: '#1', kind: 'plan' }),
    error: /Error \(invalid\): note: write the plan/,
  },
  'review_request, code review under the team plan label': {
    success: async (w) => {
      await askPlan(w);
      await w.carol.call('review_submit', { review: '#1', verdict: 'approved' });
      return w.bob.raw('review_request', { task: '#1', reviewer: 'carol' });
    },
    ok: { outcome: /Review of #1 "Fix the login bug" requested from carol; the task is in review/ },
    failure: async (w) => {
      const admin = createCtx(w.mcp.deps, await w.mcp.join('alice'), { admin: true });
      await updateTeamSettings(admin, { planLabel: 'needs-plan' });
      await w.alice.call('task_create', { title: 'Add logout', labels: ['needs-plan'] });
      await w.bob.call('task_claim', { task: '#2' });
      return w.bob.raw('review_request', { task: '#2', reviewer: 'carol' });
    },
    error:
      /Error \(conflict\): #2 "Add logout" is labelled "needs-plan": this team needs an approved plan before a code review\. Request a plan review first: review_request \{task: "#2", kind: "plan"/,
  },
  'task_get, plan pending': {
    success: async (w) => {
      await askPlan(w);
      return w.carol.raw('task_get', { task: '#1' });
    },
    ok: {
      outcome: /#1 "Fix the login bug" \[in_progress, owner bob, plan pending\]/,
      next: /Plan review pending \(reviewer carol\): submit with review_submit \{review: "#1", verdict\}/,
      framed: { from: 'bob', words: PLAN },
    },
    failure: (w) => w.carol.raw('task_get', { task: '#9' }),
    error: /Error \(not_found\)/,
  },
  'review_submit, plan approved': {
    success: async (w) => {
      await askPlan(w);
      return w.carol.raw('review_submit', { review: '#1', verdict: 'approved' });
    },
    ok: {
      outcome:
        /Plan approved: #1 "Fix the login bug" \[in_progress, owner bob, plan approved\]; bob was told to go ahead/,
    },
    failure: (w) => w.bob.raw('review_submit', { review: '#1', verdict: 'approved' }),
    error: /Error \(forbidden\): you own this task/,
  },
  'review_submit, plan changes requested': {
    success: async (w) => {
      await askPlan(w);
      return w.carol.raw('review_submit', { review: '#1', verdict: 'changes_requested', comments: 'cover logout' });
    },
    ok: {
      outcome:
        /Changes requested on the plan: #1 "Fix the login bug" \[in_progress, owner bob, plan: changes requested\]; bob has your comments/,
    },
    failure: async (w) => {
      await askPlan(w);
      return w.carol.raw('review_submit', { review: '#1', verdict: 'changes_requested' });
    },
    error: /Error \(invalid\).*comments/,
  },
  'review_list, plan reviews': {
    success: async (w) => {
      await askPlan(w);
      return w.carol.raw('review_list', { kind: 'plan', mine: true });
    },
    ok: {
      outcome: /#1 "Fix the login bug": plan review pending, reviewer carol/,
      next: /review_submit \{review: "#N"/,
    },
    failure: (w) => w.carol.raw('review_list', { kind: 'design' }),
    error: /Error \(invalid\).*kind/,
  },
};

/** Asserts that a teammate's words appear as a quote under a line that names them. */
function expectFramed(view: string, { from, words }: { from: string; words: string }) {
  const lines = view.split('\n');
  const at = lines.findIndex((l) => l === `> ${words}` || l.includes(`"${words}"`));
  expect(at, `"${words}" quoted in:\n${view}`).toBeGreaterThanOrEqual(0);
  if (lines[at]?.startsWith('> ')) {
    const header = lines
      .slice(0, at)
      .reverse()
      .find((l) => !l.startsWith('> '));
    expect(header, `a line naming ${from} above the quote`).toContain(from);
  } else {
    expect(lines[at], `the quoted line names ${from}`).toContain(from);
  }
  expect(view).not.toMatch(new RegExp(`^${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
}

describe('what a model reads of each tool result, under each client rule', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.mcp.close();
    w = undefined;
  });

  it('has a case for every tool in the table', () => {
    expect(Object.keys(CASES).sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  for (const [tool, c] of [...Object.entries(CASES), ...Object.entries(PLAN_CASES)]) {
    it(`${tool}: the outcome, the next step, the unread notice and framed words, on success and on error`, async () => {
      w = await world();
      await w.mail('bob');
      await w.mail('alice');
      await w.mail('carol');
      const ok = await c.success(w);
      expect(ok.isError, text(ok)).toBeFalsy();
      const bad = await c.failure(w);
      expect(bad.isError, text(bad)).toBe(true);
      for (const [rule, view] of Object.entries(RULES)) {
        const seen = view(ok);
        expect(seen, `${rule}: outcome`).toMatch(c.ok.outcome);
        if (c.ok.next) expect(seen, `${rule}: next step`).toMatch(c.ok.next);
        expect(seen, `${rule}: unread notice`).toMatch(/📬 \d+ unread messages?: call teammate_check_messages/);
        if (c.ok.framed) expectFramed(seen, c.ok.framed);
        expect(seen, `${rule}: no raw JSON`).not.toMatch(/"[a-zA-Z]+":/);
        const failed = view(bad);
        expect(failed, `${rule}: error`).toMatch(c.error);
        expect(failed, `${rule}: unread notice on error`).toMatch(/📬 \d+ unread messages?/);
      }
    });
  }
});
