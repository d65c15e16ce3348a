import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSETS } from '../../src/assets.ts';
import { tempDir } from '../helpers.ts';

/** A small real-image project input: flat images folder (`<class>__<file>`), classes file, test folder. */
export interface ProjectData {
  root: string;
  images: string;
  classes: string;
  test: string;
  classNames: string[];
  /** Ground-truth class name of a pool id. */
  truth: (id: string) => string;
}

/** Copies `perClass` train and `testPerClass` test images of each class from the embedded CIFAR-10 subset. */
export function projectData(classNames: readonly string[], perClass: number, testPerClass: number): ProjectData {
  const root = tempDir('activekd-proj-data-');
  const images = join(root, 'images');
  const test = join(root, 'test');
  mkdirSync(images, { recursive: true });
  for (const c of classNames) {
    for (const f of readdirSync(join(ASSETS.cifar10Mini, 'train', c)).sort().slice(0, perClass)) cpSync(join(ASSETS.cifar10Mini, 'train', c, f), join(images, `${c}__${f}`));
    mkdirSync(join(test, c), { recursive: true });
    for (const f of readdirSync(join(ASSETS.cifar10Mini, 'test', c)).sort().slice(0, testPerClass)) cpSync(join(ASSETS.cifar10Mini, 'test', c, f), join(test, c, f));
  }
  const classes = join(root, 'classes.txt');
  writeFileSync(classes, `${classNames.join('\n')}\n`);
  return { root, images, classes, test, classNames: [...classNames], truth: (id) => id.split('__')[0] as string };
}

/** Fast student options for tests. */
export const FAST_DHO = Object.freeze({ hidden: 16, stepsPerLabeledBatch: 5 });
