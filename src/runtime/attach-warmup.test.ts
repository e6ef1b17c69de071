// The cgroup attach warm-up: which cgroup.procs it writes to on each layout, and
// that the addon's thread writes "0" there while a hold is taken, and stops after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeIfBuilt } from '../lib/native.ts';
import { ownCgroupProcs } from './attach-warmup.ts';

const v1 = '12:pids:/system.slice/berthd.service\n4:memory:/process_api/33\n1:name=systemd:/system.slice/berthd.service\n0::/system.slice/berthd.service\n';

test('the warm-up writes to berthd\'s own cgroup.procs: cgroup2 first, else v1\'s pids, else name=systemd', () => {
  assert.equal(ownCgroupProcs({ version: '2', hybrid: false }, '0::/system.slice/berthd.service\n'), '/sys/fs/cgroup/system.slice/berthd.service/cgroup.procs');
  assert.equal(ownCgroupProcs({ version: '2', hybrid: false }, '0::/\n'), '/sys/fs/cgroup/cgroup.procs');
  assert.equal(ownCgroupProcs({ version: '1', hybrid: true }, v1), '/sys/fs/cgroup/unified/system.slice/berthd.service/cgroup.procs');
  assert.equal(ownCgroupProcs({ version: '1', hybrid: false }, v1), '/sys/fs/cgroup/pids/system.slice/berthd.service/cgroup.procs');
  assert.equal(ownCgroupProcs({ version: '1', hybrid: false }, '3:cpu,cpuacct:/a\n1:name=systemd:/b:c\n'), '/sys/fs/cgroup/systemd/b:c/cgroup.procs', 'a path may hold a colon');
  assert.equal(ownCgroupProcs({ version: '1', hybrid: false }, '3:cpu,cpuacct:/a\n'), undefined, 'no hierarchy it writes to');
  assert.equal(ownCgroupProcs({ version: '2', hybrid: false }, '0::/gone (deleted)\n'), undefined, 'a removed cgroup');
  assert.equal(ownCgroupProcs({ version: '2', hybrid: false }, ''), undefined);
  assert.equal(ownCgroupProcs({ version: '2', hybrid: false }, '0::/x\n', '/mnt/cg'), '/mnt/cg/x/cgroup.procs');
});

test('while a hold is taken the addon\'s thread writes "0" to the path every few ms; after the last release it stops', async () => {
  const native = nativeIfBuilt();
  assert.ok(native?.cgroupWarmHold && native.cgroupWarmRelease, 'the addon is built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'berth-attach-warm-'));
  const file = join(dir, 'procs');
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const written = async (want: string, withinMs: number) => {
    for (let waited = 0; waited < withinMs; waited += 5) {
      if (readFileSync(file, 'utf8') === want) return true;
      await sleep(5);
    }
    return readFileSync(file, 'utf8') === want;
  };
  try {
    writeFileSync(file, 'x');
    await sleep(30);
    assert.equal(readFileSync(file, 'utf8'), 'x', 'nothing is written without a hold');
    native.cgroupWarmHold(file);
    native.cgroupWarmHold(file);
    assert.ok(await written('0', 2000), 'written while held');
    writeFileSync(file, 'x');
    assert.ok(await written('0', 2000), 'written again: it keeps writing');
    native.cgroupWarmRelease();
    writeFileSync(file, 'x');
    assert.ok(await written('0', 2000), 'one hold of two given back: still writing');
    native.cgroupWarmRelease();
    await sleep(20); // a write begun before the release may still land
    writeFileSync(file, 'x');
    await sleep(60);
    assert.equal(readFileSync(file, 'utf8'), 'x', 'no writes once every hold is given back');
    native.cgroupWarmRelease();
    native.cgroupWarmHold(file);
    assert.ok(await written('0', 2000), 'a release too many does not stop the next hold');
    native.cgroupWarmRelease();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
