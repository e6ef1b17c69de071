// Unit tests of the image view's mount: which mount, and its overlay options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFailedPrecondition } from '../core/errors.ts';
import { maxMountData, viewMount } from './overlay-view.ts';

test('viewMount() lists the layers top first as lower dirs, with no upper or work dir', () => {
  assert.deepEqual(viewMount(['l/top', 'l/mid', 'l/base'], 'empty'), { kind: 'overlay', data: 'lowerdir=l/top:l/mid:l/base' });
});

test('viewMount() puts the empty directory under a single layer (overlayfs needs two lower dirs without an upper)', () => {
  assert.deepEqual(viewMount(['l/only'], 'empty'), { kind: 'overlay', data: 'lowerdir=l/only:empty' });
});

test('viewMount() binds the empty directory for an image without layers', () => {
  assert.deepEqual(viewMount([], '/data/snapshots/empty'), { kind: 'bind', source: '/data/snapshots/empty' });
});

test('viewMount() refuses options longer than a page, and names it fits exactly', () => {
  const name = 'l/' + 'a'.repeat(26);
  const fits = Math.floor((maxMountData - 'lowerdir='.length + 1) / (name.length + 1));
  const ok = viewMount(Array.from({ length: fits }, () => name), 'empty');
  assert.equal(ok.kind, 'overlay');
  assert.ok(ok.kind === 'overlay' && ok.data.length <= maxMountData);
  assert.throws(() => viewMount(Array.from({ length: fits + 1 }, () => name), 'empty'), (err: unknown) => isFailedPrecondition(err) && /exceed the overlay mount option limit/.test(String(err)));
});

test('viewMount() refuses a directory whose name overlayfs would split', () => {
  assert.throws(() => viewMount(['/data/a:b/fs', 'l/x'], 'empty'), isFailedPrecondition);
  assert.throws(() => viewMount(['/data/a,b/fs'], 'empty'), isFailedPrecondition);
});
