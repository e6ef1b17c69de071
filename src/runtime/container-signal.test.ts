// container-signal.ts: signal names and numbers, and a signal that reaches the
// init only while it is the process create saw (start time), as runc kill checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { loadNative } from '../lib/native.ts';
import { initOf, signalInit, signalNumber } from './container-signal.ts';

test('signalNumber takes numbers and names with or without SIG', () => {
  assert.equal(signalNumber('KILL'), 9);
  assert.equal(signalNumber('sigterm'), 15);
  assert.equal(signalNumber('SIGUSR1'), 10);
  assert.equal(signalNumber('9'), 9);
  assert.equal(signalNumber(2), 2);
  assert.equal(signalNumber('RTMIN+3'), undefined);
  assert.equal(signalNumber(0), undefined);
});

test('signalInit signals the process create saw, and not a process that merely has its pid', async () => {
  assert.equal(typeof loadNative().signalProcess, 'function', 'the addon has signalProcess (npm run build)');
  const child = spawn('sleep', ['30']);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  const init = initOf(child.pid!);
  assert.ok(init && init.startTime > 0);
  assert.equal(signalInit({ ...init, startTime: init.startTime + 1 }, 'KILL'), false, 'another start time: not this process');
  assert.equal(signalInit(init, 'RTMIN+3'), undefined, 'a signal Node does not name: left to the runtime');
  assert.equal(signalInit(init, 'TERM'), true);
  assert.equal(await exited, 'SIGTERM');
  assert.equal(signalInit(init, 'KILL'), false, 'gone');
  assert.equal(initOf(child.pid!), undefined);
});
