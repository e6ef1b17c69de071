import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInRoot } from './copy-up.ts';

test('resolveInRoot() keeps absolute and climbing symlinks inside the root', async () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-copyup-'));
  try {
    mkdirSync(join(root, 'real', 'data'), { recursive: true });
    symlinkSync('/etc', join(root, 'abs'));
    symlinkSync('../../../../real', join(root, 'up'));
    symlinkSync('real', join(root, 'rel'));
    assert.equal(await resolveInRoot(root, '/abs/x'), join(root, 'etc', 'x'));
    assert.equal(await resolveInRoot(root, '/up/data'), join(root, 'real', 'data'));
    assert.equal(await resolveInRoot(root, '/rel/data/'), join(root, 'real', 'data'));
    assert.equal(await resolveInRoot(root, '/../../real'), join(root, 'real'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
