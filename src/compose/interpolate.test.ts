import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateString, interpolateTree, parseDotEnv } from './interpolate.ts';
import { isInvalidArgument } from '../core/errors.ts';

const env = { SET: 'v', EMPTY: '' };

test('plain and braced variables are replaced, unset ones become empty', () => {
  assert.equal(interpolateString('$SET-${SET}-$NOPE-${NOPE}', env), 'v-v--');
});

test('defaults distinguish unset from empty with and without the colon', () => {
  assert.equal(interpolateString('${EMPTY:-d}|${EMPTY-d}|${NOPE-d}|${NOPE:-d}', env), 'd||d|d');
});

test('alternatives apply only when the variable is set', () => {
  assert.equal(interpolateString('${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${NOPE+alt}', env), 'alt||alt|');
});

test('required variables fail with the message when missing', () => {
  assert.equal(interpolateString('${SET:?boom}', env), 'v');
  assert.throws(() => interpolateString('${EMPTY:?must be set}', env), (e: unknown) => isInvalidArgument(e) && /EMPTY.*must be set/.test((e as Error).message));
  assert.equal(interpolateString('${EMPTY?x}', env), '');
  assert.throws(() => interpolateString('${NOPE?x}', env), /NOPE/);
});

test('a doubled dollar is a literal dollar and nested defaults work', () => {
  assert.equal(interpolateString('$$HOME $${SET} ${NOPE:-${SET}}', env), '$HOME ${SET} v');
});

test('trees are interpolated in values but not in keys', () => {
  assert.deepEqual(interpolateTree({ $SET: ['${SET}', 1, { k: '$SET' }] }, env), { $SET: ['v', 1, { k: 'v' }] });
});

test('.env files read quotes, comments and earlier variables', () => {
  const text = '# c\nA=1\nexport B="two words"\nC=\'$A lit\'\nD=${A}x # note\n\nE\n';
  assert.deepEqual(parseDotEnv(text, { E: 'shell' }), { A: '1', B: 'two words', C: '$A lit', D: '1x', E: 'shell' });
});
