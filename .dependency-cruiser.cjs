// @ts-check
/* global module */
/**
 * Import rules of activekd, checked by dependency-cruiser (`npm run lint:deps`, part of `npm test`).
 * Explained in docs/ARCHITECTURE.md ("Layers"). Layers, bottom to top (imports point down only):
 *
 *   9  src/index.ts                      public API: may import every library layer (not the CLI)
 *   8  cli | server                      cli may import server, never the reverse
 *   7  project | bench | queue           siblings: no imports between them, except queue → bench
 *   6  eval | report                     report may import eval, never the reverse
 *   5  loop                              one round and the simulated loop
 *   4  strategies                        pure: no file or network I/O
 *   3  teachers | student                siblings: no imports between them
 *   2  encoders
 *   1  data
 *   0  util, linalg, assets.ts, types/   base
 *
 * A layer may import its own folder and any lower layer. Besides the layering: no circular imports,
 * no orphan modules in src/ except the entry points, nothing imports src/index.ts or src/cli/,
 * src/ never imports test/, bench/ or scripts/, and every file under src/ belongs to a layer (a new
 * folder must be placed here first).
 *
 * Violations are not suppressed here: `depcruise` exits non-zero and prints each one with its rule.
 */

/** @typedef {{ name: string, rank: number, paths: string[] }} Layer */

/** @type {Layer[]} */
const LAYERS = [
  { name: 'base', rank: 0, paths: ['^src/util/', '^src/linalg/', '^src/options/', '^src/assets\\.ts$', '^src/types/'] },
  { name: 'data', rank: 1, paths: ['^src/data/'] },
  { name: 'encoders', rank: 2, paths: ['^src/encoders/'] },
  { name: 'teachers', rank: 3, paths: ['^src/teachers/'] },
  { name: 'student', rank: 3, paths: ['^src/student/'] },
  { name: 'strategies', rank: 4, paths: ['^src/strategies/'] },
  { name: 'loop', rank: 5, paths: ['^src/loop/'] },
  { name: 'eval', rank: 6, paths: ['^src/eval/'] },
  { name: 'report', rank: 6, paths: ['^src/report/'] },
  { name: 'project', rank: 7, paths: ['^src/project/'] },
  { name: 'bench', rank: 7, paths: ['^src/bench/'] },
  { name: 'queue', rank: 7, paths: ['^src/queue/'] },
  { name: 'cli', rank: 8, paths: ['^src/cli/'] },
  { name: 'server', rank: 8, paths: ['^src/server/'] },
  { name: 'index', rank: 9, paths: ['^src/index\\.ts$'] },
];

/** Same-rank imports that are allowed, as `from>to` layer names. */
const SIBLING_EDGES = new Set(['report>eval', 'cli>server', 'queue>bench']);

/** Modules nothing imports on purpose: entry points, worker scripts, ambient declarations. */
const ENTRY_POINTS = [
  '^src/index\\.ts$',
  '^src/cli/main\\.ts$',
  // forked by src/bench/grid.ts through its file URL
  '^src/bench/worker\\.ts$',
  '\\.d\\.ts$',
];

/** @param {Layer} l */
function forbiddenTargets(l) {
  return LAYERS.filter((o) => o.name !== l.name && (o.rank > l.rank || (o.rank === l.rank && !SIBLING_EDGES.has(`${l.name}>${o.name}`)))).flatMap((o) => o.paths);
}

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const layerRules = LAYERS.filter((l) => forbiddenTargets(l).length > 0).map((l) => ({
  name: `layer-${l.name}`,
  severity: 'error',
  comment: `${l.name} (rank ${l.rank}) may import only lower layers${[...SIBLING_EDGES].filter((e) => e.startsWith(`${l.name}>`)).map((e) => ` and ${e.split('>')[1]}`).join('')} (docs/ARCHITECTURE.md "Layers").`,
  from: { path: l.paths },
  to: { path: forbiddenTargets(l) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-unassigned',
      severity: 'error',
      comment: 'Every module under src/ belongs to a layer: place a new folder in LAYERS of .dependency-cruiser.cjs first.',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: LAYERS.flatMap((l) => l.paths) },
    },
    {
      name: 'no-import-of-cli',
      severity: 'error',
      comment: 'src/cli/ is the command-line application: nothing outside it imports it (not even src/index.ts).',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-import-of-index',
      severity: 'error',
      comment: 'src/index.ts is the public API for users of the package; modules inside src/ import the defining module instead.',
      from: {},
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'src-not-to-tests',
      severity: 'error',
      comment: 'src/ never imports tests, benchmarks or scripts (they import src/, not the reverse).',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'strategies-pure',
      severity: 'error',
      comment: 'Strategies are pure functions of the selection context: file and network I/O live in lower (data: src/data/matrix-files.ts) or upper (cli) layers.',
      from: { path: '^src/strategies/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|net|http|https|readline)$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular imports (type-only imports included) tangle the layers and make load order fragile.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports is dead code, unless it is an entry point (listed in ENTRY_POINTS).',
      from: { orphan: true, pathNot: ENTRY_POINTS },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing: a typo or a missing package.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'src/ ships to users: it may not import devDependencies (type-only imports of them are fine).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // type-only imports count: the layering is about what a module knows, not only what it loads
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      // ESM packages (vega-lite, csv-parse/sync) resolve through their package.json "exports"
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      mainFields: ['module', 'main'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
