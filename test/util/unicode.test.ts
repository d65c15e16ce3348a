/** Unicode normalisation of names (issue 15 #4): NFC comparison, notes, clashes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NfcMap, nfc, normalisationClashes, normalisationNote } from '../../src/util/unicode.ts';

const COMPOSED = 'chat domestiqu\u00e9'; // é as one code point (keyboards)
const DECOMPOSED = 'chat domestique\u0301'; // e + combining acute accent (macOS file names)

test('nfc: composed and decomposed "é" are one name; NfcMap finds either spelling', () => {
  assert.notEqual(COMPOSED, DECOMPOSED);
  assert.equal(COMPOSED.length, 15);
  assert.equal(DECOMPOSED.length, 16);
  assert.equal(nfc(DECOMPOSED), COMPOSED);
  assert.equal(nfc(COMPOSED), COMPOSED);
  const m = new NfcMap<number>([[DECOMPOSED, 7]]);
  assert.equal(m.get(COMPOSED), 7);
  assert.equal(m.get(DECOMPOSED), 7);
  assert.ok(m.has(COMPOSED));
  assert.equal(m.get('chat domestique'), undefined);
  m.set(COMPOSED, 8);
  assert.equal(m.size, 1);
  assert.equal(m.get(DECOMPOSED), 8);
});

test('normalisationNote says so only when two names differ by normalisation alone', () => {
  assert.equal(normalisationNote(COMPOSED, DECOMPOSED), ` (differs from "${DECOMPOSED}" only by Unicode normalisation)`);
  assert.equal(normalisationNote(COMPOSED, COMPOSED), '');
  assert.equal(normalisationNote(COMPOSED, 'chat'), '');
});

test('normalisationClashes lists pairs of distinct spellings of one NFC name, in list order', () => {
  assert.deepEqual(normalisationClashes(['a', DECOMPOSED, 'b', COMPOSED, 'a']), [[DECOMPOSED, COMPOSED]]);
  assert.deepEqual(normalisationClashes(['a', 'b', COMPOSED]), []);
});
