import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { isInternal } from '../../core/errors.ts';
import { extractInto, goFileMode } from './archive.ts';
import type { ContainerFsView } from './fs-view.ts';

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

/** A stopped container's view over a plain directory (no mounts), for extraction. */
function viewOf(root: string): ContainerFsView {
  const container = { spec: { host: { readonlyRootfs: false } }, mountPoints: [] } as unknown as ContainerFsView['container'];
  return { container, root, mounts: [], merged: root, upper: root, lower: [], running: false };
}

async function tarOf(name: string): Promise<Readable> {
  const p = tar.pack();
  p.entry({ name }, 'x');
  p.finalize();
  return p as unknown as Readable;
}

test('extractInto() refuses an entry that climbs out of the destination in dockerd\'s words (a 500)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-extract-'));
  try {
    mkdirSync(join(dir, 'root', 'tmp'), { recursive: true });
    const view = viewOf(join(dir, 'root'));
    await assert.rejects(extractInto(view, '/tmp', 'c', await tarOf('../../../../x')), (err: unknown) =>
      isInternal(err) && err.message === 'Error processing tar file(exit status 1): "../../../../x" is outside of "/tmp"');
    await assert.rejects(extractInto(view, '/tmp', 'c', await tarOf('a/../../x')), /"\.\.\/x" is outside of "\/tmp"/);
    assert.equal(existsSync(join(dir, 'root', 'x')), false);
    assert.equal(existsSync(join(dir, 'x')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('extractInto() writes an entry whose .. climbs back into the destination there, and never through a symlink out of the root', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-extract-'));
  try {
    mkdirSync(join(dir, 'root', 'tmp'), { recursive: true });
    mkdirSync(join(dir, 'outside'));
    // /tmp/up in the container points far above its root: followed inside the root, it is the root.
    symlinkSync('../../../../../../..', join(dir, 'root', 'tmp', 'up'));
    const view = viewOf(join(dir, 'root'));
    await extractInto(view, '/tmp', 'c', await tarOf('../../../../tmp/x'));
    assert.equal(readFileSync(join(dir, 'root', 'tmp', 'x'), 'utf8'), 'x');
    await extractInto(view, '/tmp', 'c', await tarOf('up/outside/y'));
    assert.equal(readFileSync(join(dir, 'root', 'outside', 'y'), 'utf8'), 'x');
    assert.equal(existsSync(join(dir, 'outside', 'y')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('extractInto() with noOverwriteDirNonDir refuses as dockerd words it, naming the destination last', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-extract-'));
  try {
    mkdirSync(join(dir, 'root', 'tmp'), { recursive: true });
    const view = viewOf(join(dir, 'root'));
    await assert.rejects(extractInto(view, '/', 'c', await tarOf('tmp'), { noOverwriteDirNonDir: true }), (err: unknown) =>
      isInternal(err) && err.message === 'Error processing tar file(exit status 1): cannot overwrite directory "/tmp" with non-directory "/"');
    assert.ok(lstatSync(join(dir, 'root', 'tmp')).isDirectory());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
