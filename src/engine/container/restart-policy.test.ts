import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRestart, nextDelay, restartOnDaemonStart } from './restart-policy.ts';

const facts = { exitCode: 1, restartCount: 0, manuallyStopped: false, ranMs: 50, previousDelayMs: 0 };

test('the back-off starts at 100 ms and doubles up to a minute', () => {
  assert.equal(nextDelay(0, 0), 100);
  assert.equal(nextDelay(100, 0), 200);
  assert.equal(nextDelay(3200, 9_999), 6400);
  assert.equal(nextDelay(51_200, 0), 60_000);
  assert.equal(nextDelay(60_000, 0), 60_000);
});

test('a run of 10 seconds or more resets the back-off to 100 ms', () => {
  assert.equal(nextDelay(6400, 10_000), 100);
});

test('on-failure restarts only failures, and only N times when N is given', () => {
  const policy = { name: 'on-failure', maximumRetryCount: 2 } as const;
  assert.deepEqual(decideRestart({ ...facts, policy }), { restart: true, delayMs: 100 });
  assert.equal(decideRestart({ ...facts, policy, restartCount: 2 }).restart, false);
  assert.equal(decideRestart({ ...facts, policy, exitCode: 0 }).restart, false);
  assert.equal(decideRestart({ ...facts, policy: { name: 'on-failure', maximumRetryCount: 0 }, restartCount: 99 }).restart, true);
});

test('always and unless-stopped restart any exit, no never does', () => {
  assert.equal(decideRestart({ ...facts, exitCode: 0, policy: { name: 'always', maximumRetryCount: 0 } }).restart, true);
  assert.equal(decideRestart({ ...facts, exitCode: 0, policy: { name: 'unless-stopped', maximumRetryCount: 0 } }).restart, true);
  assert.equal(decideRestart({ ...facts, policy: { name: 'no', maximumRetryCount: 0 } }).restart, false);
});

test('a manual stop disables every policy until the next start', () => {
  for (const name of ['always', 'unless-stopped', 'on-failure'] as const) {
    assert.equal(decideRestart({ ...facts, manuallyStopped: true, policy: { name, maximumRetryCount: 0 } }).restart, false, name);
  }
});

test('when berthd starts, always comes back even after a manual stop, unless-stopped does not', () => {
  const base = { exitCode: 137, restartCount: 0 };
  assert.equal(restartOnDaemonStart({ ...base, manuallyStopped: true, policy: { name: 'always', maximumRetryCount: 0 } }), true);
  assert.equal(restartOnDaemonStart({ ...base, manuallyStopped: true, policy: { name: 'unless-stopped', maximumRetryCount: 0 } }), false);
  assert.equal(restartOnDaemonStart({ ...base, manuallyStopped: false, policy: { name: 'unless-stopped', maximumRetryCount: 0 } }), true);
  assert.equal(restartOnDaemonStart({ ...base, manuallyStopped: false, policy: { name: 'no', maximumRetryCount: 0 } }), false);
});
