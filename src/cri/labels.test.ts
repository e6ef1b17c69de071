import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criLabels, jsonLabel, labelKeys, matchesSelector, unixNanos } from './labels.ts';

test('unixNanos() turns engine times into the CRI nanoseconds, keeping every digit', () => {
  assert.equal(unixNanos('2026-12-06T08:25:21.446423846Z'), '1796545521446423846');
  assert.equal(unixNanos('2026-12-06T08:25:21Z'), '1796545521000000000');
  assert.equal(unixNanos('2026-12-06T08:25:21.5+01:00'), '1796541921500000000');
  assert.equal(unixNanos('0001-01-01T00:00:00Z'), '0');
  assert.equal(unixNanos('not a time'), '0');
});

test('criLabels() keeps the user labels as plain labels and as JSON, and refuses berth\'s own prefix', () => {
  const l = criLabels('container', { metadata: { name: 'c' }, labels: { app: 'x' }, annotations: { a: 'b' } });
  assert.equal(l['app'], 'x');
  assert.equal(l[labelKeys.kind], 'container');
  assert.deepEqual(jsonLabel(l, labelKeys.labels, {}), { app: 'x' });
  assert.deepEqual(jsonLabel(l, labelKeys.annotations, {}), { a: 'b' });
  assert.throws(() => criLabels('sandbox', { metadata: {}, labels: { 'io.berth.cri.kind': 'x' }, annotations: {} }), /reserved/);
});

test('matchesSelector() needs every key=value of the selector', () => {
  assert.ok(matchesSelector({ a: '1', b: '2' }, { a: '1' }));
  assert.ok(matchesSelector({ a: '1' }, undefined));
  assert.ok(!matchesSelector({ a: '1' }, { a: '2' }));
  assert.ok(!matchesSelector({ a: '1' }, { b: '1' }));
});
