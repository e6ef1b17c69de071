// conmonArgs(): the flags conmon is started with for each create option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conmonArgs } from './conmon-create.ts';
import { conmonDirs, conmonPaths } from './conmon-paths.ts';

const dirs = conmonDirs('/exec');
const ctx = { runtimePath: '/usr/bin/crun', dirs, paths: conmonPaths(dirs, 'c1') };
const base = { bundle: '/b', logPath: '/l/c1.log', terminal: false, stdin: false };

test('conmonArgs() names the container, its runtime, bundle, files under execRoot and the log', () => {
  const args = conmonArgs('c1', base, ctx);
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(after('-c'), 'c1');
  assert.equal(after('-r'), '/usr/bin/crun');
  assert.equal(after('-b'), '/b');
  assert.equal(after('-p'), '/exec/conmon/c1/pidfile');
  assert.equal(after('--exit-dir'), '/exec/exits');
  assert.equal(after('--persist-dir'), '/exec/conmon/c1');
  assert.equal(after('--socket-dir-path'), '/exec/sockets');
  assert.equal(after('-l'), 'k8s-file:/l/c1.log');
  assert.equal(after('--conmon-pidfile'), '/exec/conmon/c1/conmon.pid');
  assert.deepEqual(args.slice(args.indexOf('--runtime-arg'), args.indexOf('--runtime-arg') + 4), ['--runtime-arg', '--root', '--runtime-arg', '/exec/runtime']);
  for (const flag of ['-t', '-i', '--leave-stdin-open', '--log-size-max']) assert.ok(!args.includes(flag), flag);
  assert.ok(args.includes('--no-sync-log'), 'the log is not fsynced at the exit (as dockerd\'s json-file logger)');
});

test('conmonArgs() adds -t, -i and --leave-stdin-open unless stdin is once', () => {
  assert.deepEqual(conmonArgs('c1', { ...base, terminal: true, stdin: true }, ctx).slice(-3), ['-t', '-i', '--leave-stdin-open']);
  assert.deepEqual(conmonArgs('c1', { ...base, stdin: true, stdinOnce: true }, ctx).slice(-2), ['--no-sync-log', '-i']);
});

test('conmonArgs() caps the log only for a positive size', () => {
  assert.deepEqual(conmonArgs('c1', { ...base, logMaxSize: 1024 }, ctx).slice(-2), ['--log-size-max', '1024']);
  assert.ok(!conmonArgs('c1', { ...base, logMaxSize: -1 }, ctx).includes('--log-size-max'));
});
