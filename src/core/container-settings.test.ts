import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseUintList, verifyEnv, verifyExtraHosts, verifyHealthcheck, verifyPlatformSettings, verifyResources, type ResourceSettings } from './container-settings.ts';

const host = { cpuCount: 2, cpus: '0-1', mems: '0' };
const none: ResourceSettings = { memory: 0, memorySwap: 0, memoryReservation: 0, nanoCpus: 0, cpuPeriod: 0, cpuQuota: 0, cpusetCpus: '' };
const refused = (r: Partial<ResourceSettings>) => {
  try {
    verifyResources({ ...none, ...r }, host);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

// The texts are dockerd 20.10's answers on a 2-CPU host for the same HostConfig.
test('verifyResources() refuses what dockerd refuses, with its words', () => {
  assert.equal(refused({ memory: -1 }), 'Minimum memory limit allowed is 6MB');
  assert.equal(refused({ nanoCpus: -1 }), 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  assert.equal(refused({ nanoCpus: 3e9 }), 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  assert.equal(refused({ memorySwappiness: 101 }), 'Invalid value: 101, valid memory swappiness range is 0-100');
  assert.equal(refused({ memorySwappiness: -2 }), 'Invalid value: -2, valid memory swappiness range is 0-100');
  assert.equal(refused({ cpusetCpus: '9' }), 'Requested CPUs are not available - requested 9, available: 0-1');
  assert.equal(refused({ cpusetCpus: '1-0' }), 'Invalid value 1-0 for cpuset cpus: invalid format: 1-0');
  assert.equal(refused({ cpusetMems: 'x' }), 'Invalid value x for cpuset mems: invalid format: x');
  assert.equal(refused({ cpusetMems: '5' }), 'Requested memory nodes are not available - requested 5, available: 0');
  assert.equal(refused({ kernelMemory: 5 }), 'Minimum kernel memory limit allowed is 6MB');
  assert.equal(refused({ memoryReservation: 5 }), 'Minimum memory reservation allowed is 6MB');
  assert.equal(refused({ memory: 10_000_000, memoryReservation: 20_000_000 }), 'Minimum memory limit can not be less than memory reservation limit, see usage');
  assert.equal(refused({ memorySwap: 20_000_000 }), 'You should always set the Memory limit when using Memoryswap limit, see usage');
  assert.equal(refused({ memory: 10_000_000, memorySwap: 5_000_000 }), 'Minimum memoryswap limit should be larger than memory limit, see usage');
  assert.equal(refused({ cpuPeriod: -5 }), 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  assert.equal(refused({ cpuQuota: 5 }), 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
  assert.equal(refused({ nanoCpus: 5, cpuQuota: 5000 }), 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  assert.equal(refused({ nanoCpus: 5, cpuPeriod: 5000 }), 'Conflicting options: Nano CPUs and CPU Period cannot both be set');
  assert.equal(refused({ ioMaximumIops: 5 }), 'Invalid QoS settings: linux does not support configuration of maximum IOPs');
});

test('verifyResources() takes what dockerd takes', () => {
  for (const r of [{}, { memory: 9223372036854775807 }, { memorySwappiness: -1 }, { memoryReservation: -5 }, { cpuQuota: -5 }, { kernelMemory: -5 }, { memory: 10_000_000, memorySwap: -1 }, { cpusetCpus: '0,1' }, { nanoCpus: 2e9 }]) {
    assert.equal(refused(r), undefined, JSON.stringify(r));
  }
});

test('the config and platform checks use dockerd\'s words', () => {
  assert.throws(() => verifyEnv(['A=1', '=x']), { message: 'invalid environment variable: =x' });
  assert.throws(() => verifyEnv(['']), { message: 'invalid environment variable: ' });
  verifyEnv(['A', 'B=']);
  assert.throws(() => verifyHealthcheck({ intervalNs: 5 }), { message: 'Interval in Healthcheck cannot be less than 1ms' });
  assert.throws(() => verifyHealthcheck({ timeoutNs: -5 }), { message: 'Timeout in Healthcheck cannot be less than 1ms' });
  assert.throws(() => verifyHealthcheck({ retries: -1 }), { message: 'Retries in Healthcheck cannot be negative' });
  assert.throws(() => verifyHealthcheck({ startPeriodNs: 5 }), { message: 'StartPeriod in Healthcheck cannot be less than 1ms' });
  verifyHealthcheck({ intervalNs: 0, timeoutNs: 1_000_000 });
  assert.throws(() => verifyExtraHosts(['bad']), { message: 'bad format for add-host: "bad"' });
  assert.throws(() => verifyExtraHosts(['a:b']), { message: 'invalid IP address in add-host: "b"' });
  verifyExtraHosts(['a:::1', 'b:host-gateway']);
  assert.throws(() => verifyPlatformSettings({ shmSize: -1, tmpfs: {} }), { message: 'SHM size can not be less than 0' });
  assert.throws(() => verifyPlatformSettings({ shmSize: 0, oomScoreAdj: 1001, tmpfs: {} }), { message: 'Invalid value 1001, range for oom score adj is [-1000, 1000]' });
  assert.throws(() => verifyPlatformSettings({ shmSize: 0, tmpfs: { rel: '' } }), { message: "invalid mount path: 'rel' mount path must be absolute" });
  assert.throws(() => verifyPlatformSettings({ shmSize: 0, tmpfs: { '/a/../': '' } }), { message: "invalid specification: destination can't be '/'" });
});

test('parseUintList() reads cpuset lists and refuses the rest (property: never throws)', () => {
  assert.deepEqual([...(parseUintList('0-2,4') ?? [])], [0, 1, 2, 4]);
  assert.equal(parseUintList('2-1'), undefined);
  fc.assert(fc.property(fc.string(), (s) => { parseUintList(s); }), { numRuns: 2000 });
  fc.assert(fc.property(fc.record({ memory: fc.double(), nanoCpus: fc.double(), cpusetCpus: fc.string() }), (r) => {
    try { verifyResources({ ...none, ...r }, host); } catch (err) { assert.equal((err as { code?: string }).code !== undefined, true); }
  }), { numRuns: 2000 });
});
