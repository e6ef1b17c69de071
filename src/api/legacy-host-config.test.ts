import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveHostConfig } from './legacy-host-config.ts';
import { specFromCreateBody } from './container-spec.ts';

test('effectiveHostConfig() takes top-level HostConfig fields when the body has no HostConfig object', () => {
  assert.deepEqual(effectiveHostConfig({ Image: 'busybox', Runtime: 'runc', memory: 1 << 25 }), { hostConfig: { Runtime: 'runc', Memory: 1 << 25 }, given: true });
  assert.deepEqual(effectiveHostConfig({ Image: 'busybox', HostConfig: null }), { hostConfig: {}, given: false });
  assert.deepEqual(effectiveHostConfig({ Image: 'busybox', Cpuset: '0' }), { hostConfig: {}, given: false });
});

test('effectiveHostConfig() fills only zero Memory, MemorySwap, CpuShares, CpusetCpus and VolumeDriver of a HostConfig object from the top level', () => {
  const { hostConfig } = effectiveHostConfig({ Memory: 10, CpuShares: 5, Privileged: true, VolumeDriver: 'local', HostConfig: { memory: 0, CpuShares: 7 } });
  assert.deepEqual(hostConfig, { memory: 10, CpuShares: 7, VolumeDriver: 'local' });
  assert.deepEqual(effectiveHostConfig({ Cpuset: '1', HostConfig: { CpusetCpus: '' } }).hostConfig, { CpusetCpus: '1' });
  assert.deepEqual(effectiveHostConfig({ Cpuset: '1', HostConfig: { CpusetCpus: '0' } }).hostConfig, { CpusetCpus: '0' });
});

test('a create body with only top-level HostConfig fields records them and is not a body without HostConfig', () => {
  const spec = specFromCreateBody({ Image: 'busybox', Runtime: 'runc', Memory: 1 << 25, Binds: ['/a:/b'] });
  assert.equal(spec.host.runtime, 'runc');
  assert.equal(spec.host.memory, 1 << 25);
  assert.deepEqual(spec.host.binds, ['/a:/b']);
  assert.equal(spec.host.hostConfigOmitted, undefined);
  assert.equal(specFromCreateBody({ Image: 'busybox' }).host.hostConfigOmitted, true);
});
