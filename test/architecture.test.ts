/**
 * The layout keeps its layers (DESIGN.md, Layers and layout): the rules in
 * .dependency-cruiser.cjs hold (no import circle, no surface importing another, kysely only in
 * server/db and server/ops), and no operation file grows past one concern's size.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../.dependency-cruiser.cjs') as IConfiguration;

describe('architecture', () => {
  it('has no import circle and no surface importing another', async () => {
    const { output } = await cruise(['server', 'mcp', 'web', 'cli', 'scripts', 'bench'], {
      ...config.options,
      ruleSet: { forbidden: config.forbidden },
      validate: true,
    });
    const violations = (output as ICruiseResult).summary.violations.map(
      (v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' → ')})` : ''}`,
    );
    expect(violations).toEqual([]);
    expect((output as ICruiseResult).summary.totalCruised).toBeGreaterThan(100);
  }, 60_000);

  it('keeps every file in server/ops within 450 lines', () => {
    const long = readdirSync('server/ops')
      .map((f) => [f, readFileSync(`server/ops/${f}`, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 450);
    expect(long).toEqual([]);
  });
});
