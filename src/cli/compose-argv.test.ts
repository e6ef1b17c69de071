import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeArgv } from './compose-entry.ts';

test('berth\'s global -H and --context before `compose` are handed to compose; other commands are not compose', () => {
  assert.deepEqual(composeArgv(['compose', 'ps']), ['ps']);
  assert.deepEqual(composeArgv(['-H', 'unix:///x', 'compose', 'up', '-d']), ['-H', 'unix:///x', 'up', '-d']);
  assert.deepEqual(composeArgv(['--host=unix:///x', '-l', 'debug', 'compose', 'ps']), ['-H', 'unix:///x', 'ps']);
  assert.deepEqual(composeArgv(['-c', 'ctx', 'compose', 'ls']), ['--context', 'ctx', 'ls']);
  assert.deepEqual(composeArgv(['--context=ctx', 'compose', 'ls']), ['--context', 'ctx', 'ls']);
  assert.equal(composeArgv(['run', '--name', 'compose', 'busybox']), undefined);
  assert.equal(composeArgv(['-H', 'unix:///x', 'ps']), undefined);
  assert.equal(composeArgv(['-H']), undefined);
});
