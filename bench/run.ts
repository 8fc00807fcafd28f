/**
 * `npm run bench`: runs every `bench/*.bench.ts` in turn, each in its own process (each starts
 * its own server process), then prints one table of figures beside their targets and writes
 * them, with the machine's size, to `bench/results/latest.json` (and a timestamped copy) and
 * as a Markdown table to `bench/results/latest.md`.
 * Not a test: a missed target is reported, not failed. `npm run bench -- delivery` runs the
 * benches whose file name contains "delivery".
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchRow, fmt } from './lib.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
};

const tmp = mkdtempSync(join(tmpdir(), 'switchboard-bench-results-'));
const rows: BenchRow[] = [];
const failed: string[] = [];
for (const file of files) {
  const out = join(tmp, `${file}.json`);
  process.stderr.write(`== ${file}\n`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(DIR, file)], {
    env: { ...process.env, BENCH_RESULT: out },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  process.stderr.write(`   ${file} took ${Math.round((Date.now() - started) / 1000)} s\n`);
  try {
    rows.push(...(JSON.parse(readFileSync(out, 'utf8')) as BenchRow[]));
  } catch {
    failed.push(`${file} (exit ${r.status ?? r.signal})`);
  }
}
rmSync(tmp, { recursive: true, force: true });

const header = ['measurement', 'figure', 'target', ''];
/** A bench may leave out `figure`: then its values are listed, with the unit. */
const figureOf = (r: BenchRow) =>
  r.figure ??
  `${Object.entries(r.values ?? {})
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ')} (${r.unit})`;
const table = rows.map((r) => [
  r.name,
  figureOf(r),
  r.target ?? '—',
  r.ok === undefined ? '' : r.ok ? 'met' : 'MISSED',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] as string).length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ');
console.log(
  `\nSwitchboard benchmarks — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' / ')} at start\n`,
);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const row of table) console.log(line(row));
if (failed.length) console.log(`\nFailed to run: ${failed.join(', ')}`);

const resultsDir = join(DIR, 'results');
mkdirSync(resultsDir, { recursive: true });
const doc = { at: new Date().toISOString(), machine, rows, failed };
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(doc, null, 2)}\n`);
writeFileSync(join(resultsDir, `${doc.at.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(doc, null, 2)}\n`);
// The same table in Markdown, for docs/benchmarks.md.
const md = [
  `| ${header.slice(0, 3).join(' | ')} | |`,
  '|---|---|---|---|',
  ...table.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
].join('\n');
writeFileSync(join(resultsDir, 'latest.md'), `${md}\n`);
console.log(`\nWrote ${join('bench', 'results', 'latest.json')}`);
process.exitCode = failed.length ? 1 : 0;
