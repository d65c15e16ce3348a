import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../src/util/json-file.ts';
import { tempDir } from '../helpers.ts';

test('writeFileAtomic: writes through a temporary it renames; a failed rename leaves no temporary behind', () => {
  const dir = tempDir();
  const file = join(dir, 'a.txt');
  writeFileAtomic(file, 'one');
  writeFileAtomic(file, 'two');
  assert.equal(readFileSync(file, 'utf8'), 'two');
  assert.deepEqual(readdirSync(dir), ['a.txt']);
  const folder = join(dir, 'sub');
  mkdirSync(folder);
  assert.throws(() => writeFileAtomic(folder, 'x'), (e: unknown) => (e as NodeJS.ErrnoException).code === 'EISDIR');
  assert.deepEqual(readdirSync(dir).sort(), ['a.txt', 'sub'], 'the temporary was removed');
});
