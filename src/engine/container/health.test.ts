import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextHealth, probeCommand } from './health.ts';

const entry = (exitCode: number) => ({ start: 's', end: 'e', exitCode, output: '' });

test('healthcheck tests become probe commands as docker runs them', () => {
  assert.deepEqual(probeCommand(['CMD-SHELL', 'test -f /ok']), ['/bin/sh', '-c', 'test -f /ok']);
  assert.deepEqual(probeCommand(['CMD', 'true']), ['true']);
  assert.equal(probeCommand(['NONE']), undefined);
  assert.equal(probeCommand([]), undefined);
});

test('failures count towards unhealthy only after the retries, and one pass is healthy', () => {
  let h = { status: 'starting' as const, failingStreak: 0, log: [] };
  let next = nextHealth(h, entry(1), { retries: 2, withinStartPeriod: false });
  assert.equal(next.status, 'starting');
  assert.equal(next.failingStreak, 1);
  next = nextHealth(next, entry(1), { retries: 2, withinStartPeriod: false });
  assert.equal(next.status, 'unhealthy');
  next = nextHealth(next, entry(0), { retries: 2, withinStartPeriod: false });
  assert.deepEqual([next.status, next.failingStreak], ['healthy', 0]);
  assert.equal(nextHealth(h, entry(1), { retries: 1, withinStartPeriod: true }).failingStreak, 0, 'the start period does not count');
  for (let i = 0; i < 7; i++) h = { ...nextHealth(h, entry(0), { retries: 3, withinStartPeriod: false }), status: 'starting' } as typeof h;
  assert.equal(h.log.length, 5, 'only the last five results are kept');
});

test('the ps health filter matches the health status, none without a health check', async () => {
  const { containerMatches, validateContainerFilters } = await import('./filters.ts');
  const base = { name: 'c', id: 'abc', created: '', imageId: 'sha256:x', spec: { image: 'x', labels: {} }, state: { status: 'running', exitCode: 0 } };
  const healthy = { ...base, state: { ...base.state, health: { status: 'healthy', failingStreak: 0, log: [] } } };
  const ctx = { ancestorIds: new Set<string>() };
  assert.equal(containerMatches(healthy as never, { health: ['healthy'] }, ctx), true);
  assert.equal(containerMatches(base as never, { health: ['healthy'] }, ctx), false);
  assert.equal(containerMatches(base as never, { health: ['none'] }, ctx), true);
  assert.throws(() => validateContainerFilters({ health: ['sick'] }), /Unrecognised filter value for health: sick/);
});
