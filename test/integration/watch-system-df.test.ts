// Issue 3, Clean-up: `berth system df -v` prints what the docker CLI prints
// from the same daemon (per-image, per-container, per-volume tables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBusyboxDaemon } from './harness.ts';

const d = useBusyboxDaemon();

/** Ages change between two runs: mask them, and the column padding they cause. */
function normal(text: string): string {
  return text
    .replace(/(Less than a second|About a minute|\d+ (second|minute)s?) ago/g, 'AGO')
    .replace(/Up (Less than a second|About a minute|\d+ (second|minute)s?)/g, 'UP')
    .replace(/ {2,}/g, '  ');
}

test('system df -v matches the docker CLI\'s rendering of the same daemon', { timeout: 60_000 }, async () => {
  assert.equal((await d().berth(['run', '-d', '--name', 'df1', '-v', 'dfvol:/data', 'busybox', 'sleep', '60'])).code, 0);
  assert.equal((await d().berth(['create', '--name', 'df2', 'busybox', 'true'])).code, 0);
  try {
    const b = await d().berth(['system', 'df', '-v']);
    const k = await d().docker(['system', 'df', '-v']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(k.code, 0, k.stderr);
    assert.equal(normal(b.stdout), normal(k.stdout));
    assert.match(b.stdout, /^Images space usage:\n\nREPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS\n/);
    assert.match(b.stdout, /\nLocal Volumes space usage:\n\nVOLUME NAME +LINKS +SIZE\ndfvol +1 +0B\n/);
  } finally {
    await d().berth(['rm', '-f', 'df1', 'df2']);
    await d().berth(['volume', 'rm', 'dfvol']);
  }
});
