/**
 * Layer rules (DESIGN.md, Layers and layout), checked by `npm run lint` and test/architecture.test.ts:
 * no import circle (type-only imports included), no surface (mcp, web, the JSON API, cli)
 * importing another, nothing below the surfaces importing them, and kysely only in server/db
 * and server/ops.
 */
const SURFACES = {
  mcp: '^mcp/',
  web: '^web/',
  api: '^server/api/',
  cli: '^cli/',
};

const surfaceRules = Object.entries(SURFACES).map(([name, path]) => ({
  name: `no-${name}-to-other-surfaces`,
  comment: `${name} is a surface: it may not import another surface (what two share lives below them)`,
  severity: 'error',
  from: { path },
  to: {
    path: Object.entries(SURFACES)
      .filter(([other]) => other !== name)
      .map(([, p]) => p),
    // The CLI hosts the stdio bridge (`switchboard mcp`).
    pathNot: name === 'cli' ? '^mcp/stdio-bridge\\.ts$' : undefined,
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import circles, type-only ones included, make layers meaningless',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...surfaceRules,
    {
      name: 'core-not-to-surfaces',
      comment: 'server/ops, server/db and the shared server modules never import a surface',
      severity: 'error',
      from: { path: '^server/', pathNot: ['^server/api/', '^server/app\\.ts$', '^server/main\\.ts$'] },
      to: { path: Object.values(SURFACES) },
    },
    {
      name: 'kysely-only-in-db-and-ops',
      comment: 'SQL lives in server/db and server/ops (STYLE.md habit 1)',
      severity: 'error',
      from: { pathNot: ['^server/db/', '^server/ops/', '^test/', '^bench/', '^scripts/'] },
      to: { path: 'node_modules/kysely/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: ['^node_modules/', '^test-results/'] },
  },
};
