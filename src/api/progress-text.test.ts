import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanSize, progressBar } from './progress-text.ts';

test('humanSize() uses decimal units with three significant digits as docker does', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1056406), '1.06MB');
  assert.equal(humanSize(65136), '65.1kB');
});

test('progressBar() draws a 50-wide bar with an arrow head and the counts', () => {
  const half = progressBar(500, 1000);
  assert.ok(half.startsWith(`[${'='.repeat(25)}>${' '.repeat(24)}]`));
  assert.ok(half.endsWith('500B/1kB'));
  assert.ok(progressBar(1000, 1000).startsWith(`[${'='.repeat(50)}]`));
});
