import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lifecycleBodyParts, parseAddHost, parseDevice, parseGoDuration, parseUlimit } from './run-flags-lifecycle.ts';

test('go durations convert to nanoseconds', () => {
  assert.equal(parseGoDuration('1s', '--x'), 1e9);
  assert.equal(parseGoDuration('1m30s', '--x'), 90e9);
  assert.equal(parseGoDuration('500ms', '--x'), 5e8);
  assert.equal(parseGoDuration('0', '--x'), 0);
  assert.throws(() => parseGoDuration('5', '--health-interval'), /invalid argument "5" for "--health-interval" flag: time: missing unit in duration "5"/);
});

test('ulimits, devices and extra hosts parse as the docker CLI parses them', () => {
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Soft: 1024, Hard: 2048 });
  assert.deepEqual(parseUlimit('nproc=64'), { Name: 'nproc', Soft: 64, Hard: 64 });
  assert.throws(() => parseUlimit('bogus=1'), /invalid ulimit type: bogus/);
  assert.deepEqual(parseDevice('/dev/fuse'), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' });
  assert.deepEqual(parseDevice('/dev/null:/dev/mynull:r'), { PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'r' });
  assert.equal(parseAddHost('db:10.0.0.5'), 'db:10.0.0.5');
  assert.equal(parseAddHost('gw=host-gateway'), 'gw:host-gateway');
  assert.throws(() => parseAddHost('db:nope'), /invalid IP address in add-host/);
});

test('restart and health flags become RestartPolicy and Healthcheck', () => {
  const r = lifecycleBodyParts({ restart: 'on-failure:2', healthCmd: 'test -f /ok', healthInterval: '1s', healthRetries: '3' });
  assert.deepEqual(r.host['RestartPolicy'], { Name: 'on-failure', MaximumRetryCount: 2 });
  assert.deepEqual(r.config['Healthcheck'], { Test: ['CMD-SHELL', 'test -f /ok'], Interval: 1e9, Retries: 3 });
  assert.deepEqual(lifecycleBodyParts({ healthcheck: false }).config['Healthcheck'], { Test: ['NONE'] });
  assert.throws(() => lifecycleBodyParts({ healthcheck: false, healthCmd: 'x' }), /--no-healthcheck conflicts with --health-\* options/);
  assert.throws(() => lifecycleBodyParts({ rm: true, restart: 'always' }), /^Error: conflicting options: cannot specify both --restart and --rm$/);
  assert.deepEqual(lifecycleBodyParts({ rm: true, restart: 'no' }).host['RestartPolicy'], { Name: 'no', MaximumRetryCount: 0 });
});

test('security and resource flags map to their HostConfig fields', () => {
  const r = lifecycleBodyParts(
    { init: true, capAdd: ['NET_ADMIN,SYS_TIME'], capDrop: ['ALL'], securityOpt: ['no-new-privileges', 'seccomp=/p.json'], readOnly: true, shmSize: '128m', sysctl: ['net.ipv4.ip_forward=1'], memorySwap: '-1', cpuShares: '512', stopTimeout: '3', stopSignal: 'SIGINT' },
    () => '{ "defaultAction": "SCMP_ACT_ALLOW" }',
  );
  assert.equal(r.host['Init'], true);
  assert.deepEqual(r.host['CapAdd'], ['NET_ADMIN', 'SYS_TIME']);
  assert.deepEqual(r.host['SecurityOpt'], ['no-new-privileges', 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']);
  assert.equal(r.host['ShmSize'], 128 * 1024 * 1024);
  assert.deepEqual(r.host['Sysctls'], { 'net.ipv4.ip_forward': '1' });
  assert.equal(r.host['MemorySwap'], -1);
  assert.equal(r.host['CpuShares'], 512);
  assert.equal(r.config['StopTimeout'], 3);
  assert.equal(r.config['StopSignal'], 'SIGINT');
});
