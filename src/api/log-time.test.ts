import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339NanoFixed } from './log-time.ts';

test('conmon times become UTC with nine fraction digits', () => {
  assert.equal(rfc3339NanoFixed('2026-11-28T10:31:24.877707633+00:00'), '2026-11-28T10:31:24.877707633Z');
  assert.equal(rfc3339NanoFixed('2026-11-28T12:31:24.8+02:00'), '2026-11-28T10:31:24.800000000Z');
  assert.equal(rfc3339NanoFixed('2026-11-28T10:31:24Z'), '2026-11-28T10:31:24.000000000Z');
});
