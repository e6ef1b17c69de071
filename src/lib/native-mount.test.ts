// Unit tests of the addon's mount(2)/umount2(2) (native/berth-native.c), as
// root: an overlay mounted and unmounted shows in and leaves /proc/self/mountinfo,
// and the errors carry the errno's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeIfBuilt } from './native.ts';

const mounted = (p: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === p);

test('mountOverlay mounts an overlay that shows the lower layer, umount takes it away; errors carry the errno name', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const native = nativeIfBuilt();
  assert.ok(native, 'the addon is built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'berth-native-mount-'));
  const merged = join(dir, 'merged');
  try {
    for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'lower', 'f'), 'from the lower layer');
    await native.mountOverlay(merged, `lowerdir=${join(dir, 'lower')},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`);
    assert.ok(mounted(merged));
    assert.equal(readFileSync(join(merged, 'f'), 'utf8'), 'from the lower layer');
    writeFileSync(join(merged, 'g'), 'new');
    assert.equal(readFileSync(join(dir, 'upper', 'g'), 'utf8'), 'new');
    await native.umount(merged, false);
    assert.ok(!mounted(merged));
    await assert.rejects(native.umount(merged, false), (e: NodeJS.ErrnoException) => e.code === 'EINVAL' && e.message.includes(merged));
    await assert.rejects(native.mountOverlay(merged, `lowerdir=${join(dir, 'nope')}`), (e: NodeJS.ErrnoException) => typeof e.code === 'string' && e.code.startsWith('E'));
    assert.ok(!mounted(merged));
  } finally {
    if (mounted(merged)) await native?.umount(merged, true);
    rmSync(dir, { recursive: true, force: true });
  }
});
