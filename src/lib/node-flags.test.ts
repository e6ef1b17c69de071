import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { berthdShebang } from './node-flags.ts';

test('bin/berthd starts node with berthdNodeFlags and berthdEnv', () => {
  const first = readFileSync(new URL('../../bin/berthd', import.meta.url), 'utf8').split('\n')[0];
  assert.equal(first, berthdShebang());
});
