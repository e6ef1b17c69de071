import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPath, resolveContainerPath } from './fs-view.ts';

function fixture(): { root: string; vol: string; done: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'berth-fsview-'));
  const root = join(base, 'root');
  const vol = join(base, 'vol');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(vol, 'sub'), { recursive: true });
  writeFileSync(join(root, 'etc', 'passwd'), '');
  symlinkSync('/', join(root, 'escape'));
  symlinkSync('../../../../..', join(root, 'etc', 'up'));
  symlinkSync('/etc', join(vol, 'to-etc'));
  return { root, vol, done: () => rmSync(base, { recursive: true, force: true }) };
}

test('resolveContainerPath() keeps absolute and .. symlinks inside the root', async () => {
  const f = fixture();
  try {
    const view = { root: f.root, mounts: [] };
    assert.equal(await resolveContainerPath(view, '/escape/etc/passwd', { followLast: true }), '/etc/passwd');
    assert.equal(await resolveContainerPath(view, '/etc/up/etc/passwd', { followLast: true }), '/etc/passwd');
    assert.equal(await resolveContainerPath(view, '/escape', { followLast: false }), '/escape');
    assert.equal(await resolveContainerPath(view, '/../../etc', { followLast: true }), '/etc');
  } finally {
    f.done();
  }
});

test('hostPath() crosses into the longest matching mount and links in a mount resolve in the container', async () => {
  const f = fixture();
  try {
    const view = { root: f.root, mounts: [{ destination: '/data', source: f.vol, rw: true }] };
    assert.equal(hostPath(view, '/data/sub'), join(f.vol, 'sub'));
    assert.equal(hostPath(view, '/database'), join(f.root, 'database'));
    assert.equal(hostPath(view, '/etc/passwd'), join(f.root, 'etc', 'passwd'));
    const p = await resolveContainerPath(view, '/data/to-etc/passwd', { followLast: true });
    assert.equal(p, '/etc/passwd');
    assert.equal(hostPath(view, p), join(f.root, 'etc', 'passwd'));
  } finally {
    f.done();
  }
});
