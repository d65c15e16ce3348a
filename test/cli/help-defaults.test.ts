/**
 * The CLI shows (and uses) the defaults of the option definitions (src/options/): `run`, `demo`,
 * `bench`, `init`, `round` and `select` build their options from them, with a command's own
 * defaults only where it declares one (bench's grid, demo's rounds).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command, Option } from 'commander';
import { BENCH_DEFAULTS } from '../../src/cli/bench.ts';
import { buildProgram } from '../../src/cli/main.ts';
import type { OptionDef } from '../../src/options/define.ts';
import { OPTIONS, SEED_OPTION, SEEDS_OPTION, STRATEGIES_OPTION, STRATEGY_OPTION, FRAMEWORK_OPTION, ROUNDS_OPTION, TEACHER_OPTION, QUERY_OPTION, CACHE_DIR_OPTION } from '../../src/options/definitions.ts';
import { runCli } from '../helpers.ts';

const program = buildProgram();
const command = (name: string): Command => {
  const c = program.commands.find((x) => x.name() === name);
  assert.ok(c, name);
  return c;
};
const option = (cmd: Command, flag: string): Option | undefined => cmd.options.find((o) => o.long === flag);
/** One option's help line (description with choices / default), as `--help` prints it. */
const helpOf = (cmd: Command, o: Option): string => cmd.createHelp().optionDescription(o);

/** The definitions each command must take its options from. */
const USES: Record<string, OptionDef<unknown>[]> = {
  run: [FRAMEWORK_OPTION, STRATEGIES_OPTION, ROUNDS_OPTION, QUERY_OPTION, OPTIONS.initialShots, SEED_OPTION, SEEDS_OPTION, OPTIONS.studentHead, OPTIONS.hidden, OPTIONS.stepsPerBatch, OPTIONS.temperature, OPTIONS.ceWeight, OPTIONS.standardize, TEACHER_OPTION, CACHE_DIR_OPTION, OPTIONS.threads, OPTIONS.encoderBatchSize, OPTIONS.predictChunk],
  bench: [FRAMEWORK_OPTION, STRATEGIES_OPTION, ROUNDS_OPTION, QUERY_OPTION, SEED_OPTION, SEEDS_OPTION, OPTIONS.studentHead, OPTIONS.hidden, OPTIONS.stepsPerBatch, OPTIONS.temperature, OPTIONS.ceWeight, TEACHER_OPTION, CACHE_DIR_OPTION, OPTIONS.encoderBatchSize, OPTIONS.predictChunk],
  init: [TEACHER_OPTION, OPTIONS.studentHead, OPTIONS.hidden, OPTIONS.stepsPerBatch, QUERY_OPTION, OPTIONS.budget, STRATEGY_OPTION, SEED_OPTION, CACHE_DIR_OPTION, OPTIONS.encoderBatchSize, OPTIONS.predictChunk],
  round: [OPTIONS.encoderBatchSize],
};

/** Where a command declares its own default: the value, and how help shows it. */
const OWN: Record<string, Record<string, { value: unknown; text: string | undefined }>> = {
  bench: {
    '--framework': { value: BENCH_DEFAULTS.frameworks, text: '"no-distill,zero-shot"' },
    '--strategy': { value: BENCH_DEFAULTS.strategy.split(','), text: `"${BENCH_DEFAULTS.strategy}"` },
    '--seeds': { value: BENCH_DEFAULTS.seeds, text: '1-5' },
    '--seed': { value: undefined, text: 'see --seeds' },
  },
  init: { '--cache-dir': { value: undefined, text: '<project>/cache' } },
};

for (const [name, defs] of Object.entries(USES)) {
  test(`${name} --help shows the definitions' defaults, and the parser uses them`, () => {
    const cmd = command(name);
    for (const def of defs) {
      const o = option(cmd, def.flag);
      assert.ok(o, `${name} has ${def.flag}`);
      const own = OWN[name]?.[def.flag];
      const value = own ? own.value : def.default;
      const text = own ? own.text : (def.defaultText ?? (def.default === undefined ? undefined : def.show(def.default)));
      assert.deepEqual(o.defaultValue, value, `${name} ${def.flag}: parser default`);
      const help = helpOf(cmd, o);
      if (text === undefined) assert.doesNotMatch(help, /default:/, `${name} ${def.flag}: ${help}`);
      else assert.ok(help.endsWith(`default: ${text})`), `${name} ${def.flag}: help "${help}" lacks (default: ${text})`);
      if (def.choices) assert.ok(help.includes(`choices: ${def.choices.map((c) => JSON.stringify(c)).join(', ')}`), help);
    }
  });
}

test('demo and run differ only where demo declares its own defaults', () => {
  const run = command('run');
  const demo = command('demo');
  assert.equal(option(run, '--rounds')?.defaultValue, ROUNDS_OPTION.default);
  assert.equal(option(demo, '--rounds')?.defaultValue, 6);
  assert.deepEqual(option(demo, '--strategy')?.defaultValue, ['pcoreset', 'random']);
  for (const flag of ['--framework', '--hidden', '--steps-per-batch', '--teacher', '--seed']) assert.deepEqual(option(demo, flag)?.defaultValue, option(run, flag)?.defaultValue, flag);
});

test('round and select take their options from the definitions too', () => {
  const round = command('round');
  assert.match(helpOf(round, option(round, '--query') as Option), /\(default: the project's: init --query, else the number of classes\)$/);
  assert.equal(option(round, '--strategy')?.defaultValue, undefined);
  const select = command('select');
  assert.equal(option(select, '--strategy')?.mandatory, true);
  assert.equal(option(select, '--query')?.mandatory, true);
  assert.equal(option(select, '--seed')?.defaultValue, 0);
  assert.doesNotMatch(helpOf(select, option(select, '--query') as Option), /number of classes/);
});

test('the teacher default is the registry\'s, and --teacher specs are checked by the registry when parsed', async () => {
  const { DEFAULT_TEACHER_SPEC } = await import('../../src/teachers/registry.ts');
  assert.equal(DEFAULT_TEACHER_SPEC, TEACHER_OPTION.default);
  const r = runCli(['run', '--data', '/x', '--teacher', 'bogus']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--teacher: expected label-transfer, clip:DIR or precomputed:FILE/);
});

test('a bad value is refused by the definition\'s parser, naming the flag (exit 2, no stack)', () => {
  const r = runCli(['run', '--data', '/x', '--ce-weight', '1.5']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--ce-weight must be a number in \[0, 1\], got "1\.5"/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const s = runCli(['bench', '--data', '/x', '--out', '/tmp/x', '--seeds', '3-1']);
  assert.equal(s.status, 2);
  assert.match(s.stderr, /--seeds: bad seed range "3-1"/);
});
