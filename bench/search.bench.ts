/**
 * Full-text search over 1M messages: a SQLite file seeded with raw better-sqlite3 inserts in one
 * transaction (the migration's triggers index every row as it goes in), then `searchTeam`
 * called in-process and `GET /api/v1/search` on a real server process opened on that file.
 *
 * The text is synthetic: words drawn from a 20,000-word vocabulary by a Zipf law (as word use
 * is), 6 to 40 words a message, 1,000 threads (one in ten direct) among 50 agents, 10% of the
 * rows in a second team. The searcher is an agent (not a human), so the direct-thread rule
 * applies. Queries with distinctive words (the usual search: single words of rank 300 to
 * 20,000, about 100 to 7,000 matches; two words; two-word phrases) carry the target; a very
 * common word (in about 5% of messages) is measured apart: ranking grows with the matches.
 * BENCH_SEARCH_MESSAGES sets the count (default 1,000,000); BENCH_SEARCH_KEEP=1 keeps the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createBus } from '../server/bus.js';
import { openDatabase } from '../server/db/connection.js';
import { migrate } from '../server/db/migrate.js';
import { findAgent } from '../server/ops/agents.js';
import { createCtx } from '../server/ops/context.js';
import { searchTeam } from '../server/ops/search.js';
import { apiClient, type BenchRow, fmt, now, report, startServerProcess, summarize } from './lib.js';

const MESSAGES = Number(process.env.BENCH_SEARCH_MESSAGES ?? 1_000_000);
const VOCABULARY = 20_000;
const AGENTS = 50;
const THREADS = 1_000;
const TARGET_P99_MS = 20;

/** Deterministic PRNG (mulberry32), so every run searches the same text. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);

/** Pronounceable distinct words: rank i is always the same word. */
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ter',
  'vus',
  'pre',
  'dan',
  'sol',
  'qui',
  'rem',
  'tos',
  'bel',
  'nor',
  'gal',
  'fen',
  'hux',
];
const word = (i: number) => {
  let w = '';
  let n = i + 16;
  while (n > 0) {
    w += SYLLABLES[n % 16];
    n = Math.floor(n / 16);
  }
  return w;
};
const words = Array.from({ length: VOCABULARY }, (_, i) => word(i));
// Zipf (s = 1) cumulative weights, sampled by binary search.
const cdf: number[] = [];
let total = 0;
for (let k = 1; k <= VOCABULARY; k++) {
  total += 1 / k;
  cdf.push(total);
}
const sampleRank = () => {
  const x = rand() * total;
  let lo = 0;
  let hi = VOCABULARY - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cdf[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const body = () => Array.from({ length: 6 + Math.floor(rand() * 35) }, () => words[sampleRank()]).join(' ');

const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(24, '0')}`.slice(-26);

function seed(file: string): number {
  const t0 = now();
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  migrate(db);
  const start = Date.UTC(2026, 0, 1);
  db.transaction(() => {
    db.prepare("INSERT INTO teams (id, name, created_at) VALUES ('TEAMOTHER0000000000000000', 'other', 0)").run();
    const agent = db.prepare(
      "INSERT INTO agents (id, team_id, name, kind, created_at, last_seen_at) VALUES (?, ?, ?, 'other', 0, 0)",
    );
    const teamOf = (a: number) => (a < AGENTS - 5 ? '00000000000000000000000000' : 'TEAMOTHER0000000000000000');
    for (let a = 0; a < AGENTS; a++) agent.run(id('AG', a), teamOf(a), `a${a}`);
    // Thread t belongs to the team of agent t % AGENTS; every tenth is direct between two teammates.
    const thread = db.prepare(
      'INSERT INTO threads (id, team_id, kind, subject, direct_key, created_by, created_at, last_message_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0)',
    );
    const members: [number, number][] = [];
    const pairs = new Set<string>();
    for (let t = 0; t < THREADS; t++) {
      const a = t % AGENTS;
      const b = a < AGENTS - 5 ? (a + 1 + (t % 7)) % (AGENTS - 5) : AGENTS - 5 + ((a + 1) % 5);
      const pair = [id('AG', a), id('AG', b)].sort().join(':');
      const direct = t % 10 === 0 && a !== b && !pairs.has(pair);
      if (direct) pairs.add(pair);
      members.push([a, direct ? b : -1]);
      const key = direct ? pair : null;
      thread.run(
        id('TH', t),
        teamOf(a),
        direct ? 'direct' : 'topic',
        direct ? null : body().slice(0, 60),
        key,
        id('AG', a),
      );
    }
    const message = db.prepare(
      'INSERT INTO messages (id, team_id, thread_id, sender_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (let i = 0; i < MESSAGES; i++) {
      const t = Math.floor(rand() * THREADS);
      const [a, b] = members[t] as [number, number];
      const sender = b >= 0 && rand() < 0.5 ? b : a;
      message.run(id('MS', i), teamOf(a), id('TH', t), id('AG', sender), body(), start + i * 1000);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return now() - t0;
}

/** The query mix: distinctive words (the target), and one very common word measured apart. */
function queries(): { distinctive: string[]; common: string[] } {
  const pick = (lo: number, hi: number) => words[lo + Math.floor(rand() * (hi - lo))] as string;
  const distinctive: string[] = [];
  for (let i = 0; i < 100; i++) {
    distinctive.push(pick(300, VOCABULARY));
    distinctive.push(`${pick(100, 3_000)} ${pick(100, 3_000)}`);
    distinctive.push(`"${pick(50, 1_000)} ${pick(50, 1_000)}"`);
  }
  return { distinctive, common: [words[40] as string] };
}

async function time(samples: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    await fn(i);
    out.push(now() - t0);
  }
  return out;
}

const figure = (s: ReturnType<typeof summarize>) => `p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-search-bench-'));
  const file = join(dir, 'switchboard.db');
  try {
    const seedMs = seed(file);
    process.stderr.write(`   seeded ${MESSAGES.toLocaleString('en-US')} messages in ${(seedMs / 1000).toFixed(1)} s\n`);
    const q = queries();

    const opened = openDatabase(file);
    const deps = { db: opened.db, bus: createBus() };
    const me = await findAgent(createCtx(deps, null), 'default', 'a0');
    if (!me) throw new Error('seeded agent a0 is missing');
    const ctx = createCtx(deps, me);
    const search = (query: string) => searchTeam(ctx, { query, in: 'messages', limit: 10 });
    const counts = await Promise.all(
      [q.distinctive[0], q.distinctive[1], q.common[0]].map(async (x) => {
        const n = opened.sqlite
          .prepare('SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH ?')
          .get(`"${(x as string).replaceAll('"', '')}"`) as { n: number };
        return `${x}: ${n.n}`;
      }),
    );
    process.stderr.write(`   matches (all teams): ${counts.join(', ')}\n`);
    await time(30, (i) => search(q.distinctive[i % q.distinctive.length] as string));
    const op = summarize(
      await time(q.distinctive.length * 2, (i) => search(q.distinctive[i % q.distinctive.length] as string)),
    );
    const hits = (await search(q.distinctive[0] as string)).hits.length;
    const common = summarize(await time(20, () => search(q.common[0] as string)));
    await opened.close();

    const server = await startServerProcess({ SWITCHBOARD_DATA_DIR: dir });
    const api = apiClient(server.url, 'a0', 4);
    const get = async (query: string) => {
      const r = await api.call('GET', `/search?q=${encodeURIComponent(query)}&in=messages&limit=10`);
      if (r.status !== 200) throw new Error(`GET /search: ${r.status} ${JSON.stringify(r.json)}`);
    };
    await time(30, (i) => get(q.distinctive[i % q.distinctive.length] as string));
    const http = summarize(
      await time(q.distinctive.length * 2, (i) => get(q.distinctive[i % q.distinctive.length] as string)),
    );
    api.close();
    await server.stop();

    const n = MESSAGES.toLocaleString('en-US');
    const rows: BenchRow[] = [
      {
        bench: 'search',
        name: `search over ${n} messages, distinctive words (searchTeam)`,
        values: { ...op, seedSeconds: seedMs / 1000, firstQueryHits: hits },
        unit: 'ms',
        figure: figure(op),
        target: `p99 < ${TARGET_P99_MS} ms`,
        ok: op.p99 < TARGET_P99_MS,
      },
      {
        bench: 'search',
        name: `search over ${n} messages, distinctive words (GET /api/v1/search)`,
        values: http,
        unit: 'ms',
        figure: figure(http),
        target: `p99 < ${TARGET_P99_MS} ms`,
        ok: http.p99 < TARGET_P99_MS,
      },
      {
        bench: 'search',
        name: `search over ${n} messages, a word in ~5% of them (searchTeam)`,
        values: common,
        unit: 'ms',
        figure: figure(common),
        note: 'every match is ranked: the cost grows with the number of matches',
      },
    ];
    report(rows);
  } finally {
    // BENCH_SEARCH_KEEP=1 leaves the seeded file for a look at query plans.
    if (process.env.BENCH_SEARCH_KEEP) process.stderr.write(`   kept ${file}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
