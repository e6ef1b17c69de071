import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '../../core/types.ts';
import { containerMatches, validateContainerFilters } from './filters.ts';

const c = {
  id: 'abcdef' + '0'.repeat(58),
  name: 'web-1',
  created: '2024-01-02T00:00:00Z',
  imageId: 'sha256:' + '1'.repeat(64),
  spec: { image: 'busybox', labels: { app: 'web', tier: 'front' } },
  state: { status: 'exited', exitCode: 3 },
} as unknown as Container;
const ctx = { ancestorIds: new Set<string>() };

test('name filters match as regular expressions against /name', () => {
  assert.ok(containerMatches(c, { name: ['web'] }, ctx));
  assert.ok(containerMatches(c, { name: ['^/web-1$'] }, ctx));
  assert.ok(!containerMatches(c, { name: ['db'] }, ctx));
});

test('id filters match a prefix', () => {
  assert.ok(containerMatches(c, { id: ['abc'] }, ctx));
  assert.ok(!containerMatches(c, { id: ['bcd'] }, ctx));
});

test('label filters need every label, with or without a value', () => {
  assert.ok(containerMatches(c, { label: ['app', 'tier=front'] }, ctx));
  assert.ok(!containerMatches(c, { label: ['app=db'] }, ctx));
});

test('status and exited filters', () => {
  assert.ok(containerMatches(c, { status: ['exited'], exited: ['3'] }, ctx));
  assert.ok(!containerMatches(c, { exited: ['0'] }, ctx));
});

test('ancestor matches by the image name or a resolved id', () => {
  assert.ok(containerMatches(c, { ancestor: ['busybox'] }, ctx));
  assert.ok(containerMatches(c, { ancestor: ['x'] }, { ancestorIds: new Set([c.imageId]) }));
  assert.ok(!containerMatches(c, { ancestor: ['alpine'] }, ctx));
});

test('unknown filter keys and statuses are refused', () => {
  assert.throws(() => validateContainerFilters({ nope: ['x'] }), /Invalid filter 'nope'/);
  assert.throws(() => validateContainerFilters({ status: ['sleeping'] }), /status=sleeping/);
});
