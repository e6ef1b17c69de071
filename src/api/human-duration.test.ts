import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, statusText } from './human-duration.ts';

test('humanDuration follows go-units', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(3000), '3 seconds');
  assert.equal(humanDuration(60_000), 'About a minute');
  assert.equal(humanDuration(120_000), '2 minutes');
  assert.equal(humanDuration(3_600_000), 'About an hour');
  assert.equal(humanDuration(5 * 3_600_000), '5 hours');
  assert.equal(humanDuration(3 * 86_400_000), '3 days');
});

test('status text for created, running and exited containers', () => {
  const zero = '0001-01-01T00:00:00Z';
  const now = Date.parse('2024-01-01T00:10:00Z');
  const base = { pid: 0, oomKilled: false, error: '', exitCode: 0 };
  assert.equal(statusText({ ...base, status: 'created', startedAt: zero, finishedAt: zero }, now), 'Created');
  assert.equal(statusText({ ...base, status: 'running', startedAt: '2024-01-01T00:09:57Z', finishedAt: zero }, now), 'Up 3 seconds');
  assert.equal(statusText({ ...base, status: 'exited', exitCode: 137, startedAt: '2024-01-01T00:00:00Z', finishedAt: '2024-01-01T00:08:00Z' }, now), 'Exited (137) 2 minutes ago');
});
