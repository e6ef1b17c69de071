// Unit tests for the runtime choice (crun vs runc) and the cost of the start-up probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crunSupports, detectRuntime, findExecutable } from './detect.ts';
import { cgroupInfo } from './cgroups.ts';

test('crun is ruled out only on hybrid v1 hosts with controllers on the v2 mount', () => {
  assert.equal(crunSupports({ version: '2', driver: 'cgroupfs', hybrid: false, hybridControllers: [] }), true);
  assert.equal(crunSupports({ version: '1', driver: 'cgroupfs', hybrid: false, hybridControllers: [] }), true);
  assert.equal(crunSupports({ version: '1', driver: 'cgroupfs', hybrid: true, hybridControllers: [] }), true);
  assert.equal(crunSupports({ version: '1', driver: 'cgroupfs', hybrid: true, hybridControllers: ['hugetlb'] }), false);
});

test('detectRuntime picks runc where crun cannot work, crun where it can', async (t) => {
  const haveRunc = await findExecutable('runc');
  const haveCrun = await findExecutable('crun');
  if (!haveRunc || !haveCrun) return t.skip('needs both crun and runc installed');
  assert.equal((await detectRuntime(undefined, { version: '1', driver: 'cgroupfs', hybrid: true, hybridControllers: ['hugetlb'] })).name, 'runc');
  assert.equal((await detectRuntime(undefined, { version: '2', driver: 'cgroupfs', hybrid: false, hybridControllers: [] })).name, 'crun');
});

test('detectRuntime honours an explicit choice and fails clearly when it is missing', async (t) => {
  const runc = await findExecutable('runc');
  if (runc) assert.deepEqual(await detectRuntime(runc), { name: 'runc', path: runc });
  else t.diagnostic('runc not installed');
  await assert.rejects(detectRuntime('no-such-runtime'), /unknown or invalid runtime name: no-such-runtime/);
});

test('the start-up probe (cgroup layout and runtime lookup) takes under 50 ms', async () => {
  const t0 = performance.now();
  const info = cgroupInfo();
  await detectRuntime(undefined, info).catch(() => undefined);
  assert.ok(performance.now() - t0 < 50);
  assert.equal(info.driver, 'cgroupfs');
  assert.ok(info.version === '1' || info.version === '2');
});
