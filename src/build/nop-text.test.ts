import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthcheckNopText, shellNopText } from './nop-text.ts';

test('healthcheckNopText() formats the health check as Go\'s %q of the struct, as dockerd 20.10 writes it', () => {
  assert.equal(healthcheckNopText({ test: ['CMD-SHELL', 'true'], interval: 0, timeout: 0, startPeriod: 0, retries: 0 }), `HEALTHCHECK &{["CMD-SHELL" "true"] "0s" "0s" "0s" '\\x00'}`);
  assert.equal(healthcheckNopText({ test: ['CMD', 'a b'], interval: 1.5e9, timeout: 5e8, startPeriod: 90e9, retries: 3 }), `HEALTHCHECK &{["CMD" "a b"] "1.5s" "500ms" "1m30s" '\\x03'}`);
  assert.equal(healthcheckNopText({ test: ['NONE'], interval: 0, timeout: 0, startPeriod: 0, retries: 10 }), `HEALTHCHECK &{["NONE"] "0s" "0s" "0s" '\\n'}`);
});

test('shellNopText() prints the shell as Go\'s %v of a slice', () => {
  assert.equal(shellNopText(['/bin/sh', '-c']), 'SHELL [/bin/sh -c]');
});
