// withSecretEnv(): secret variables are read from files by a shell, never put in the argv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSecretEnv } from './run-mounts.ts';

test('withSecretEnv() leaves the command as it is without secret variables', () => {
  assert.deepEqual(withSecretEnv(['ls', '-l'], []), ['ls', '-l']);
});

test('withSecretEnv() wraps the command in a shell that exports each secret from its file', () => {
  assert.deepEqual(withSecretEnv(['env'], ['A', 'B']), [
    '/bin/sh',
    '-c',
    `A="$(cat '/.berth-secret-env/A')"; export A; B="$(cat '/.berth-secret-env/B')"; export B; exec "$@"`,
    'sh',
    'env',
  ]);
});
