import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goFileMode } from './archive.ts';

test('goFileMode() sets Go\'s type bits above the permission bits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-gomode-'));
  try {
    chmodSync(dir, 0o755);
    assert.equal(goFileMode(lstatSync(dir)), 2 ** 31 + 0o755);
    writeFileSync(join(dir, 'f'), '');
    chmodSync(join(dir, 'f'), 0o4751);
    assert.equal(goFileMode(lstatSync(join(dir, 'f'))), 2 ** 23 + 0o751);
    symlinkSync('f', join(dir, 'l'));
    assert.equal(goFileMode(lstatSync(join(dir, 'l'))), 2 ** 27 + 0o777);
    assert.equal(goFileMode(lstatSync('/dev/null')), 2 ** 26 + 2 ** 21 + 0o666);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
