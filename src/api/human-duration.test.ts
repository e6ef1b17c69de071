import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusText } from './human-duration.ts';

test('status text for created, running and exited containers', () => {
  const zero = '0001-01-01T00:00:00Z';
  const now = Date.parse('2024-01-01T00:10:00Z');
  const base = { pid: 0, oomKilled: false, error: '', exitCode: 0 };
  assert.equal(statusText({ ...base, status: 'created', startedAt: zero, finishedAt: zero }, now), 'Created');
  assert.equal(statusText({ ...base, status: 'running', startedAt: '2024-01-01T00:09:57Z', finishedAt: zero }, now), 'Up 3 seconds');
  assert.equal(statusText({ ...base, status: 'exited', exitCode: 137, startedAt: '2024-01-01T00:00:00Z', finishedAt: '2024-01-01T00:08:00Z' }, now), 'Exited (137) 2 minutes ago');
});
