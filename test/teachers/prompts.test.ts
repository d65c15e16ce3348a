import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classPrompts, cleanClassName, customPromptSet, DATASET_PROMPTS, DEFAULT_PROMPTS, IMAGENET_TEMPLATES, promptSetFor } from '../../src/teachers/prompts.ts';
import { UserError } from '../../src/util/errors.ts';

test('prompt registry: SPEC §2.2 templates per dataset, ImageNet 7-template ensemble', () => {
  assert.deepEqual(Object.keys(DATASET_PROMPTS).sort(), ['caltech101', 'dtd', 'eurosat', 'fgvc', 'food101', 'imagenet', 'oxford_flowers', 'oxford_pets', 'stanford_cars', 'sun397', 'ucf101']);
  assert.deepEqual(promptSetFor('dtd').templates, ['{} texture.']);
  assert.deepEqual(promptSetFor('EuroSAT').templates, ['a centered satellite photo of {}.']);
  assert.deepEqual(promptSetFor('ucf101').templates, ['a photo of a person doing {}.']);
  assert.equal(promptSetFor('imagenet').ensemble, 'normalize-each');
  assert.equal(promptSetFor('food101').ensemble, 'mean-raw');
  assert.equal(IMAGENET_TEMPLATES.length, 7);
  assert.equal(promptSetFor('cifar10'), DEFAULT_PROMPTS);
  assert.equal(promptSetFor(), DEFAULT_PROMPTS);
  assert.ok(Object.isFrozen(DATASET_PROMPTS) && Object.isFrozen(DATASET_PROMPTS.dtd) && Object.isFrozen(DATASET_PROMPTS.dtd!.templates));
});

test('class names: "_" → space before formatting; every {} replaced', () => {
  assert.equal(cleanClassName('Annual_Crop_Land'), 'Annual Crop Land');
  assert.equal(cleanClassName("Apply_Eye_Makeup"), 'Apply Eye Makeup');
  assert.deepEqual(classPrompts(['sea_or_lake', 'Forest'], promptSetFor('eurosat')), [['a centered satellite photo of sea or lake.'], ['a centered satellite photo of Forest.']]);
  assert.deepEqual(classPrompts(['x'], customPromptSet(['{} and {}'])), [['x and x']]);
  assert.deepEqual(classPrompts(['tench'], promptSetFor('imagenet'))[0]!.slice(0, 2), ['itap of a tench.', 'a bad photo of the tench.']);
  assert.throws(() => customPromptSet(['no slot']), UserError);
  assert.throws(() => customPromptSet([]), UserError);
});
