import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagKey, type OptionDef } from '../../src/options/define.ts';
import {
  BUDGET_OPTION,
  CACHE_DIR_OPTION,
  CE_WEIGHT_OPTION,
  ENCODER_BATCH_SIZE_OPTION,
  PREDICT_CHUNK_OPTION,
  PREPROCESS_OPTION,
  TEACHER_ACCURACY_OPTION,
  TEACHER_SHOTS_OPTION,
  FRAMEWORK_OPTION,
  HIDDEN_OPTION,
  INITIAL_SHOTS_OPTION,
  OPTIONS,
  QUERY_OPTION,
  ROUNDS_OPTION,
  SEED_OPTION,
  SEEDS_OPTION,
  STANDARDIZE_OPTION,
  STEPS_PER_BATCH_OPTION,
  STRATEGIES_OPTION,
  STRATEGY_OPTION,
  STUDENT_HEAD_OPTION,
  TEACHER_OPTION,
  TEMPERATURE_OPTION,
  THREADS_OPTION,
} from '../../src/options/definitions.ts';
import { FRAMEWORKS } from '../../src/options/framework.ts';
import { UserError } from '../../src/util/errors.ts';

/** Each definition: its default, good command-line values → parsed values, bad ones (refused naming the flag). */
const CASES: { def: OptionDef<unknown>; default: unknown; good: [string, unknown][]; bad: string[] }[] = [
  { def: FRAMEWORK_OPTION, default: ['zero-shot'], good: [['zero-shot', ['zero-shot']], ['no-distill, zero-shot', ['no-distill', 'zero-shot']], ['few-shot', ['few-shot']]], bad: ['zeroshot', 'dho', '', ',', 'zero-shot,zero-shot'] },
  { def: STRATEGIES_OPTION, default: ['pcoreset'], good: [['random', ['random']], ['pcoreset, random', ['pcoreset', 'random']]], bad: ['', ' , '] },
  { def: STRATEGY_OPTION, default: 'pcoreset', good: [['badge', 'badge']], bad: ['', '  '] },
  { def: ROUNDS_OPTION, default: 16, good: [['1', 1], ['16', 16], [' 3 ', 3]], bad: ['0', '-1', '2.5', 'zero', '', '1e2', '0x10'] },
  { def: QUERY_OPTION, default: undefined, good: [['10', 10]], bad: ['0', 'ten', '1.5'] },
  { def: INITIAL_SHOTS_OPTION, default: 1, good: [['2', 2]], bad: ['0', 'one'] },
  { def: SEED_OPTION, default: 1, good: [['0', 0], ['42', 42]], bad: ['-1', 'x', '1.5'] },
  { def: SEEDS_OPTION, default: undefined, good: [['1-5', [1, 2, 3, 4, 5]], ['1,3,7', [1, 3, 7]], ['1-3,7', [1, 2, 3, 7]], ['4', [4]]], bad: ['', 'a', '5-1', '1,1', '1-3,2'] },
  { def: BUDGET_OPTION, default: undefined, good: [['200', 200]], bad: ['0', 'lots'] },
  // the spec syntax is the teacher registry's (checked by the CLI there, see test/cli/help-defaults.test.ts)
  { def: TEACHER_OPTION, default: 'label-transfer', good: [['label-transfer', 'label-transfer'], ['clip:/models/clip', 'clip:/models/clip'], ['none', 'none']], bad: ['', '  '] },
  { def: STUDENT_HEAD_OPTION, default: 'adapter', good: [['linear', 'linear'], ['adapter', 'adapter']], bad: ['mlp', ''] },
  { def: HIDDEN_OPTION, default: 512, good: [['16', 16]], bad: ['0', '-8', '8.5'] },
  { def: STEPS_PER_BATCH_OPTION, default: 200, good: [['5', 5]], bad: ['0', 'many'] },
  { def: TEMPERATURE_OPTION, default: 2, good: [['0.5', 0.5], ['4', 4], ['1e1', 10]], bad: ['0', '-1', 'Infinity', 'warm', ''] },
  { def: CE_WEIGHT_OPTION, default: 0.5, good: [['0', 0], ['1', 1], ['0.25', 0.25]], bad: ['1.5', '-0.1', 'NaN', ''] },
  { def: STANDARDIZE_OPTION, default: false, good: [['true', true], ['false', false]], bad: ['yes'] },
  { def: CACHE_DIR_OPTION, default: undefined, good: [['/tmp/cache', '/tmp/cache']], bad: [''] },
  { def: THREADS_OPTION, default: undefined, good: [['4', 4]], bad: ['0', 'all'] },
  { def: ENCODER_BATCH_SIZE_OPTION, default: 32, good: [['64', 64]], bad: ['0', '3.5'] },
  { def: PREPROCESS_OPTION, default: undefined, good: [['v2-graph', 'v2-graph'], [' v1-sharp ', 'v1-sharp']], bad: ['v3', 'graph', ''] },
  { def: PREDICT_CHUNK_OPTION, default: 8192, good: [['1024', 1024]], bad: ['0', '-5', '2.5'] },
  { def: TEACHER_ACCURACY_OPTION, default: undefined, good: [['0.6', 0.6], ['1', 1]], bad: ['0', '1.5', 'x'] },
  { def: TEACHER_SHOTS_OPTION, default: undefined, good: [['16', 16], ['1', 1]], bad: ['0', '2.5', 'x'] },
];

test('every definition is covered here and has a flag, a description and its key', () => {
  assert.deepEqual(new Set(CASES.map((c) => c.def)), new Set(Object.values(OPTIONS)));
  for (const def of Object.values(OPTIONS)) {
    assert.match(def.flag, /^--[a-z][a-z-]*$/);
    assert.ok(def.flags.startsWith(def.flag));
    assert.ok(def.description.length > 10, def.flag);
    assert.equal(def.key, flagKey(def.flag));
  }
});

for (const c of CASES) {
  test(`${c.def.flag}: default, good values, bad values refused naming the flag`, () => {
    assert.deepEqual(c.def.default, c.default);
    if (c.default !== undefined) assert.deepEqual(c.def.check(c.default), c.default, 'the default passes its own validator');
    else assert.ok(c.def.defaultText, `${c.def.flag}: no default value, so help needs a defaultText`);
    for (const [raw, value] of c.good) {
      assert.deepEqual(c.def.parse(raw), value, `${c.def.flag} ${raw}`);
      assert.deepEqual(c.def.check(value), value);
    }
    for (const raw of c.bad) {
      assert.throws(
        () => c.def.parse(raw),
        (e: unknown) => e instanceof UserError && e.message.includes(c.def.flag),
        `${c.def.flag} "${raw}" must be refused with a UserError naming the flag`,
      );
    }
  });
}

test('error messages say what was expected and what was given', () => {
  assert.throws(() => ROUNDS_OPTION.parse('zero'), { message: '--rounds must be a positive integer, got "zero"' });
  assert.throws(() => SEED_OPTION.parse('-1'), { message: '--seed must be a non-negative integer, got "-1"' });
  assert.throws(() => CE_WEIGHT_OPTION.parse('2'), { message: '--ce-weight must be a number in [0, 1], got "2"' });
  assert.throws(() => TEMPERATURE_OPTION.parse('0'), { message: '--temperature must be a number in (0, ∞), got "0"' });
  assert.throws(() => STUDENT_HEAD_OPTION.parse('mlp'), { message: '--student-head must be one of adapter, linear, got "mlp"' });
  // a list names its bad element
  assert.throws(() => FRAMEWORK_OPTION.parse('zero-shot,zeroshot'), { message: '--framework must be one of zero-shot, few-shot, no-distill (comma-separated for several), got "zeroshot"' });
  // library values are checked by the same validator
  assert.throws(() => HIDDEN_OPTION.check(0), { message: '--hidden must be a positive integer, got "0"' });
  assert.throws(() => FRAMEWORK_OPTION.check(['few-shot', 'x']), /got "x"/);
});

test('enumerations list their values; the framework list is the one FRAMEWORKS list', () => {
  assert.deepEqual(FRAMEWORK_OPTION.choices, FRAMEWORKS);
  assert.deepEqual(STUDENT_HEAD_OPTION.choices, ['adapter', 'linear']);
  for (const f of FRAMEWORKS) assert.deepEqual(FRAMEWORK_OPTION.parse(f), [f]);
});

test('show renders defaults as help prints them', () => {
  assert.equal(FRAMEWORK_OPTION.show(['no-distill', 'zero-shot']), '"no-distill,zero-shot"');
  assert.equal(SEEDS_OPTION.show([1, 2, 3, 4, 5]), '1-5');
  assert.equal(ROUNDS_OPTION.show(16), '16');
  assert.equal(STRATEGY_OPTION.show('pcoreset'), '"pcoreset"');
});
