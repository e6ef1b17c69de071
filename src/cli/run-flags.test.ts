// Unit tests for run/create flag handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCreateBody, FlagError, parseCpus, parseEnvFile, parseTimestamp, resolveEnv } from './run-flags.ts';

test('-e takes NAME=value as given and NAME from the environment, dropping unset names', () => {
  assert.deepEqual(resolveEnv(['A=1', 'B', 'C'], { B: 'from-env' }), ['A=1', 'B=from-env']);
});

test('--env-file skips comments and blank lines', () => {
  assert.deepEqual(parseEnvFile('# c\n\nX=1\n  Y=two words\nZ\n', { Z: 'z' }), ['X=1', 'Y=two words', 'Z=z']);
});

test('-m, --cpus, --pids-limit, labels and --rm land in the create body', () => {
  const body = buildCreateBody('busybox', ['echo', 'hi'], {
    memory: '512m', cpus: '1.5', pidsLimit: '50', label: ['a=b', 'c'], rm: true, env: ['A=1'], envFile: ['f'],
    workdir: '/w', user: '1:2', hostname: 'h', entrypoint: '', network: ['none'], runtime: 'runc',
  }, () => 'F=1\n');
  assert.equal(body.HostConfig?.Memory, 512 * 1024 * 1024);
  assert.equal(body.HostConfig?.NanoCpus, 1_500_000_000);
  assert.equal(body.HostConfig?.PidsLimit, 50);
  assert.equal(body.HostConfig?.AutoRemove, true);
  assert.equal(body.HostConfig?.NetworkMode, 'none');
  assert.equal(body.HostConfig?.Runtime, 'runc');
  assert.deepEqual(body.Labels, { a: 'b', c: '' });
  assert.deepEqual(body.Env, ['F=1', 'A=1']);
  assert.deepEqual(body.Cmd, ['echo', 'hi']);
  assert.deepEqual(body.Entrypoint, ['']);
  assert.equal(body.WorkingDir, '/w');
  assert.equal(body.User, '1:2');
  assert.equal(body.Hostname, 'h');
  assert.equal(body.AttachStdout, true);
});

test('-d detaches stdio and -p becomes exposed ports and bindings', () => {
  const body = buildCreateBody('busybox', [], { detach: true, publish: ['127.0.0.1:8080:80', '53/udp'] });
  assert.equal(body.AttachStdout, false);
  assert.equal(body.Cmd, undefined);
  assert.deepEqual(body.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(body.HostConfig?.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '' }] });
});

test('bad flag values fail with docker\'s messages', () => {
  assert.throws(() => parseCpus('abc'), { message: 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number' });
  assert.throws(() => buildCreateBody('b', [], { memory: 'xx' }), FlagError);
});

test('log timestamps accept unix seconds, RFC 3339 and relative durations', () => {
  assert.equal(parseTimestamp('1700000000'), '1700000000');
  assert.equal(parseTimestamp('2023-11-14T22:13:20Z'), '1700000000.000000000');
  assert.equal(parseTimestamp('10m', 1_700_000_600_000), '1700000000.000000000');
  assert.equal(parseTimestamp('1h30m', 1_700_005_400_000), '1700000000.000000000');
});
