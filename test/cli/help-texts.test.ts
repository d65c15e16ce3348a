/**
 * Help and printed output (issue 15 #11): required options marked, `strategies` describes each
 * strategy and its options, `import-labels` and `select` name the accepted formats, `demo` lists
 * only options that apply, `round --query` shows its default, no "± 95% CI" for one seed, the
 * grid summary fits a 100-column terminal, per-round lines printed once.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Command, Option } from 'commander';
import { runExperiment } from '../../src/bench/experiment.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { DEMO_EXCLUDED_OPTIONS, ENCODE_EXCLUDED_OPTIONS } from '../../src/cli/run-options.ts';
import { DATASET_FORMATS, FORMAT_HELP } from '../../src/data/formats.ts';
import type { RoundRecord } from '../../src/loop/active-loop.ts';
import { overSeeds, summaryTable } from '../../src/report/tables.ts';
import { STRATEGIES, strategyNames } from '../../src/strategies/registry.ts';
import { DEFAULT_DHO } from '../../src/student/config.ts';
import { miniSubset, runCli, tempDir } from '../helpers.ts';

const program = buildProgram();
const command = (name: string): Command => {
  const c = program.commands.find((x) => x.name() === name);
  assert.ok(c, name);
  return c;
};
const helpOf = (cmd: Command, o: Option): string => cmd.createHelp().optionDescription(o);
const allCommands = (c: Command): Command[] => [c, ...c.commands.flatMap(allCommands)];

test('every mandatory option says "(required)" in --help, and no other option does', () => {
  let mandatory = 0;
  for (const cmd of allCommands(program)) {
    for (const o of cmd.options) {
      const help = helpOf(cmd, o);
      if (o.mandatory) {
        mandatory++;
        assert.match(help, /\(required\)/, `${cmd.name()} ${o.flags}: ${help}`);
      } else assert.doesNotMatch(help, /\(required\)/, `${cmd.name()} ${o.flags}: ${help}`);
    }
  }
  // run --data, init --images/--classes, export --onnx, select --strategy/--query at least
  assert.ok(mandatory >= 6, `only ${mandatory} mandatory options`);
  assert.match(command('run').helpInformation(), /--data <path>[\s\S]*\(required\)/);
});

test('`activekd strategies` lists each strategy with its description and its options', () => {
  const r = runCli(['strategies']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  for (const name of strategyNames()) {
    const e = STRATEGIES[name];
    const i = lines.findIndex((l) => l.startsWith(`${name} `) && l.includes(e.description));
    assert.ok(i >= 0, `no line "${name}  ${e.description}" in:\n${r.stdout}`);
    for (const [key, spec] of Object.entries(e.options)) assert.ok(lines.some((l) => l.trimStart().startsWith(`${key}=`) && l.includes(spec.doc)), `${name} option ${key}`);
  }
  assert.match(lines.find((l) => l.trimStart().startsWith('space=')) ?? '', /combined\|ce\|kd\|teacher.*\(default: combined\)/);
});

test('import-labels --help describes the accepted formats and --relabel', () => {
  const imp = command('import-labels');
  const help = imp.helpInformation() + (runCli(['import-labels', '--help']).stdout ?? '');
  for (const word of ['id,label', 'TSV', 'Label Studio', 'JSON-MIN', '--relabel', 'batch.csv']) assert.ok(help.includes(word), `import-labels help lacks ${word}`);
  assert.match(imp.description(), /JSON-MIN/);
  const select = command('select');
  assert.match(helpOf(select, select.options.find((o) => o.long === '--labeled-labels') as Option), /\.npy/);
});

test('demo --help lists only options that apply to the embedded data; run keeps them', () => {
  const demo = command('demo');
  const run = command('run');
  for (const flag of ['--format', '--class-map', '--classes', '--precomputed-kind', '--test-fraction']) assert.ok(DEMO_EXCLUDED_OPTIONS.includes(flag), flag);
  for (const flag of DEMO_EXCLUDED_OPTIONS) {
    assert.equal(demo.options.find((o) => o.long === flag), undefined, `demo still has ${flag}`);
    assert.ok(run.options.find((o) => o.long === flag), `run lost ${flag}`);
  }
  for (const flag of ['--strategy', '--rounds', '--seeds', '--teacher', '--limit']) assert.ok(demo.options.find((o) => o.long === flag), `demo lacks ${flag}`);
});

test('encode --help lists no loop or student option (it trains nothing), keeps what changes its output, and encodes without them', { timeout: 300_000 }, () => {
  const encode = command('encode');
  const run = command('run');
  for (const flag of ['--strategy', '--rounds', '--seeds', '--hidden', '--temperature', '--teacher-accuracy']) assert.ok(ENCODE_EXCLUDED_OPTIONS.includes(flag), flag);
  for (const flag of ENCODE_EXCLUDED_OPTIONS) {
    assert.equal(encode.options.find((o) => o.long === flag), undefined, `encode still has ${flag}`);
    if (flag !== '--strategies') assert.ok(run.options.find((o) => o.long === flag), `run lost ${flag}`);
  }
  for (const flag of ['--framework', '--teacher', '--preprocess', '--encoder-batch-size', '--limit-per-class', '--teacher-shots']) assert.ok(encode.options.find((o) => o.long === flag), `encode lacks ${flag}`);
  const data = miniSubset(['cat', 'ship'], 3, 2);
  writeFileSync(join(data, 'train', 'cat', 'broken.jpg'), 'not an image');
  const out = tempDir();
  const ok = runCli(['encode', data, '--framework', 'no-distill', '--no-cache', '--out', out], { ACTIVEKD_PREPROCESS: '' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout + ok.stderr, /pool 6 × 1024 features, test 4, skipped 1 \(image preprocessing v2-graph\)/);
  assert.match(ok.stdout + ok.stderr, /skipped \S*broken\.jpg: cannot decode image: /, 'encode names each skipped file and why, as run does');
  const refused = runCli(['encode', data, '--rounds', '3', '--no-cache']);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /unknown option '--rounds'/);
});

test('every command that opens a dataset says what it accepts: each format by name, then one line per format', () => {
  const argument = (name: string): string => command(name).registeredArguments[0]?.description ?? '';
  const check = program.commands.find((c) => c.name() === 'datasets')?.commands.find((c) => c.name() === 'check') as Command;
  const described: [string, string][] = [
    ['run --data', helpOf(command('run'), command('run').options.find((o) => o.long === '--data') as Option)],
    ['bench --data', helpOf(command('bench'), command('bench').options.find((o) => o.long === '--data') as Option)],
    ['encode <data>', argument('encode')],
    ['datasets check <source>', check.registeredArguments[0]?.description ?? ''],
  ];
  for (const [what, help] of described) {
    for (const f of DATASET_FORMATS) assert.match(help, new RegExp(`\\b${f}\\b`), `${what} does not name the format ${f}: ${help}`);
    assert.doesNotMatch(help, /class folders/, `${what}: ${help}`);
  }
  for (const args of [['run'], ['bench'], ['encode'], ['datasets', 'check']]) {
    const r = runCli([...args, '--help']);
    assert.equal(r.status, 0, r.stderr);
    const section = r.stdout.slice(r.stdout.indexOf('Dataset formats'));
    assert.ok(section.startsWith('Dataset formats'), `${args.join(' ')} --help has no formats section:\n${r.stdout}`);
    for (const f of DATASET_FORMATS) assert.ok(section.includes(FORMAT_HELP[f] as string), `${args.join(' ')} --help lacks the ${f} line`);
  }
});

test('bench --help: --strategies and --frameworks are hidden aliases named beside --strategy and --framework; both spellings parse', () => {
  const bench = buildProgram().commands.find((c) => c.name() === 'bench') as Command;
  const help = bench.helpInformation();
  assert.doesNotMatch(help, /^\s*--strategies </m);
  assert.doesNotMatch(help, /^\s*--frameworks </m);
  assert.match(helpOf(bench, bench.options.find((o) => o.long === '--strategy') as Option), /\(alias: --strategies\)/);
  assert.match(helpOf(bench, bench.options.find((o) => o.long === '--framework') as Option), /\(alias: --frameworks\)/);
  assert.match(helpOf(bench, bench.options.find((o) => o.long === '--seed') as Option), /same as --seeds N/);
  bench.parseOptions(['--strategies', 'random,entropy', '--frameworks', 'no-distill']);
  assert.deepEqual(bench.opts().strategies, ['random', 'entropy']);
  assert.deepEqual(bench.opts().frameworks, ['no-distill']);
});

test('round --query shows where its default comes from', () => {
  const round = command('round');
  const help = helpOf(round, round.options.find((o) => o.long === '--query') as Option);
  assert.match(help, /default: the project's: init --query, else the number of classes\)$/);
});

const rec = (round: number, acc: number): RoundRecord => ({ round, labeledCount: 10 * (round + 1), testAccuracy: acc, trainSeconds: 0, selectSeconds: 0 }) as unknown as RoundRecord;
const runOf = (base: number, rounds = 6): RoundRecord[] => Array.from({ length: rounds }, (_, r) => rec(r, base + r / 100));

test('the summary prints no "±" for one seed and states the interval for several', () => {
  const one = summaryTable({ 'pcoreset/zero-shot': [runOf(0.5)], 'random/zero-shot': [runOf(0.4)] });
  assert.doesNotMatch(one, /±|95%/);
  assert.match(one, /55\.00/);
  const three = summaryTable({ 'pcoreset/zero-shot': [runOf(0.5), runOf(0.52), runOf(0.54)] });
  assert.match(three, /52\.00 ± \d/);
  assert.doesNotMatch(overSeeds(1), /±|95%/);
  assert.match(overSeeds(3), /95%.*3 seeds/);
});

test('the grid summary fits a 100-column terminal and still shows every group and round', () => {
  const groups: Record<string, RoundRecord[][]> = {};
  for (const s of ['pcoreset', 'coreset', 'badge', 'entropy', 'class-balanced', 'random', 'typiclust']) for (const f of ['zero-shot', 'no-distill', 'few-shot']) groups[`${s}/${f}`] = [runOf(0.3), runOf(0.31), runOf(0.35)];
  const text = summaryTable(groups);
  const widest = Math.max(...text.split('\n').map((l) => [...l].length));
  assert.ok(widest <= 100, `widest line ${widest} columns:\n${text}`);
  for (const s of ['pcoreset', 'class-balanced', 'typiclust']) assert.ok(text.includes(s), s);
  const headed = text.split('\n').filter((l) => /round/.test(l)).length;
  assert.ok(headed >= 2, 'spread over several tables');
});

test('a run prints each round once (no second per-round table)', { timeout: 300_000 }, async () => {
  const data = miniSubset(['airplane', 'cat'], 3, 2);
  const out = tempDir('activekd-once-');
  const lines: string[] = [];
  const { runs } = await runExperiment({
    data,
    strategies: ['random'],
    frameworks: ['no-distill'],
    seeds: [1],
    rounds: 3,
    querySize: 1,
    initialShots: 1,
    dho: { ...DEFAULT_DHO, hidden: 8, stepsPerLabeledBatch: 2 },
    teacher: {},
    encode: { cacheDir: join(out, 'cache') },
    out,
    log: (l) => lines.push(...l.split('\n')),
  });
  const rounds = runs[0]?.result.rounds ?? [];
  assert.equal(rounds.length, 3);
  for (const r of rounds) {
    // the labeled count of the round with its accuracy: printed on exactly one line
    const acc = r.testAccuracy === null ? '—' : (100 * r.testAccuracy).toFixed(2);
    const mentioning = lines.filter((l) => new RegExp(`(^|\\D)${r.labeledCount}(\\D|$)`).test(l) && l.includes(acc));
    assert.equal(mentioning.length, 1, `round ${r.round}:\n${lines.join('\n')}`);
  }
});
