import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRunLimits, checkRunShares } from './run-limits.ts';

const none = { memory: 0, memorySwap: 0, cpuShares: 0, cpuPeriod: 0, cpuQuota: 0, cpusetCpus: '', shmSize: 0, ulimits: [] };

test('checkRunLimits accepts what dockerd accepts and refuses the rest in its words', () => {
  checkRunLimits({ ...none, memory: 64_000_000, memorySwap: -1, cpuShares: 512, cpuPeriod: 100_000, cpuQuota: 50_000, cpusetCpus: '0-1' }, 2);
  assert.throws(() => checkRunLimits({ ...none, memory: 100 }, 2), { message: 'Minimum memory limit allowed is 6MB' });
  assert.throws(() => checkRunShares({ ...none, cpuShares: -5 }), { message: 'shares: invalid argument' });
  assert.throws(() => checkRunLimits({ ...none, cpuPeriod: 10 }, 2), /CPU cfs period can not be less than 1ms/);
  assert.throws(() => checkRunLimits({ ...none, cpusetCpus: '5' }, 2), { message: 'Requested CPUs are not available - requested 5, available: 0-1' });
  assert.throws(() => checkRunLimits({ ...none, cpusetCpus: 'x' }, 2), { message: 'Invalid value x for cpuset cpus: invalid format: x' });
});
