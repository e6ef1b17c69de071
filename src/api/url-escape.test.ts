import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { badEscape, parseQuery, unescapePath } from './url-escape.ts';

test('unescapePath() maps bytes that are not UTF-8 to U+FFFD, as dockerd shows them', () => {
  assert.equal(unescapePath('%ff%fe'), '\ufffd\ufffd');
  assert.equal(unescapePath('a%2Fb'), 'a/b');
  assert.equal(unescapePath('%C3%A9t%C3%A9'), 'été');
  assert.equal(unescapePath('plain'), 'plain');
});

test('unescapePath() refuses a bad escape with Go\'s words', () => {
  assert.throws(() => unescapePath('%zz'), { message: 'invalid URL escape "%zz"' });
  assert.throws(() => unescapePath('abc%'), /invalid URL escape "%"/);
  assert.throws(() => unescapePath('abc%4'), /invalid URL escape "%4"/);
});

test('parseQuery() refuses a bad escape and keeps a good query', () => {
  assert.throws(() => parseQuery('all=%zz'), /invalid URL escape "%zz"/);
  assert.equal(parseQuery('all=1&filters=%7B%7D').get('filters'), '{}');
  assert.equal(badEscape('a=%41'), undefined);
});

test('unescapePath() never throws anything but InvalidArgument, whatever the text', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('%', 'f', 'F', '0', 'z', 'é', '/', 'a', '\ud800') }), (s) => {
      try {
        unescapePath(s);
      } catch (err) {
        assert.match((err as Error).message, /^invalid URL escape/);
      }
    }),
    { numRuns: 2000 },
  );
});
