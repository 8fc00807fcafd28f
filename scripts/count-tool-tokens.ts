/**
 * `npm run tokens`: prints the token cost of each MCP tool definition and of the whole
 * tools/list payload, then the tokens a model receives for typical results, and exits 1 when
 * the tool list is over its budget. `--json` prints the report.
 */
import { countResultTokens } from './result-tokens.js';
import { countProfileTokens, countToolTokens } from './tool-tokens.js';

const report = countToolTokens();
const results = await countResultTokens();
const profiles = countProfileTokens();
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ ...report, profiles, results: results.map(({ text: _t, ...r }) => r) }, null, 2));
} else {
  const width = Math.max(...report.tools.map((t) => t.name.length), 4);
  console.log(`MCP tools/list payload, tokens by the ${report.encoding} encoding (gpt-tokenizer).`);
  console.log("Claude's tokenizer differs by a modest margin; treat these as estimates.\n");
  console.log(`${'tool'.padEnd(width)}  tokens  description  schema`);
  for (const t of [...report.tools].sort((a, b) => b.tokens - a.tokens)) {
    console.log(
      `${t.name.padEnd(width)}  ${String(t.tokens).padStart(6)}  ${String(t.descriptionTokens).padStart(11)}  ${String(t.schemaTokens).padStart(6)}`,
    );
  }
  console.log(`\n${report.tools.length} tools, ${report.total} tokens in total (budget ${report.budget}).`);
  console.log(
    `Profiles (?tools=): ${Object.entries(profiles)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')} tokens.`,
  );
  console.log('\nTokens a model receives for typical results (the whole result text):');
  for (const r of results) console.log(`${r.case.padEnd(22)}  ${r.tool.padEnd(24)}  ${String(r.tokens).padStart(5)}`);
  if (process.argv.includes('--show')) for (const r of results) console.log(`\n--- ${r.case}\n${r.text}`);
}
if (report.total > report.budget) {
  console.error(`over budget by ${report.total - report.budget} tokens: shorten descriptions or schemas`);
  process.exitCode = 1;
}
