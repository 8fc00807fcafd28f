/**
 * `npm run tokens`: prints the token cost of each MCP tool definition and of the whole
 * tools/list payload, and exits 1 when the total is over the budget. `--json` prints the report.
 */
import { countToolTokens } from './tool-tokens.js';

const report = countToolTokens();
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(report, null, 2));
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
}
if (report.total > report.budget) {
  console.error(`over budget by ${report.total - report.budget} tokens: shorten descriptions or schemas`);
  process.exitCode = 1;
}
