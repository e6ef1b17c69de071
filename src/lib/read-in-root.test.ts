// readFileInRoot(): the kernel's resolution (openat2 RESOLVE_IN_ROOT, through
// the addon) and in-root-path's give the same file for the same path — links
// followed with the root as `/`, `..` stopped at it, never the host's file —
// and refuse the same things (a missing file, a fifo, a link loop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeIfBuilt } from './native.ts';
import { readFileInRoot, readFileInRootPortable } from './read-in-root.ts';

const impls = [
  ['openat2', readFileInRoot],
  ['in-root-path', readFileInRootPortable],
] as const;

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'berth-read-in-root-'));
  try {
    mkdirSync(join(root, 'etc'));
    mkdirSync(join(root, 'real'));
    writeFileSync(join(root, 'real/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    writeFileSync(join(root, 'etc/hostname'), 'inside\n');
    await fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('the addon is built with readInRoot (npm run build)', () => {
  assert.equal(typeof nativeIfBuilt()?.readInRoot, 'function');
});

test('links are followed inside the root: an absolute target restarts at it, `..` stops at it', () => withRoot(async (root) => {
  symlinkSync('/real/passwd', join(root, 'etc/passwd'));
  symlinkSync('../../../../../../etc/hostname', join(root, 'etc/up'));
  symlinkSync('/etc', join(root, 'etcdir'));
  for (const [name, read] of impls) {
    assert.equal((await read(root, '/etc/passwd')).toString(), 'root:x:0:0::/root:/bin/sh\n', name);
    assert.equal((await read(root, '/etc/up')).toString(), 'inside\n', name);
    assert.equal((await read(root, '/etcdir/hostname')).toString(), 'inside\n', name);
    assert.equal((await read(root, '/../../etc/hostname')).toString(), 'inside\n', name);
  }
}));

test('a missing file, a fifo, a directory and a link loop are refused alike, a fifo without blocking', () => withRoot(async (root) => {
  execFileSync('mkfifo', [join(root, 'etc/fifo')]);
  symlinkSync('/etc/loop2', join(root, 'etc/loop1'));
  symlinkSync('/etc/loop1', join(root, 'etc/loop2'));
  for (const [name, read] of impls) {
    await assert.rejects(read(root, '/etc/group'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT', name);
    await assert.rejects(read(root, '/etc/fifo'), (e: NodeJS.ErrnoException) => e.code === 'EINVAL', name);
    await assert.rejects(read(root, '/etc'), (e: NodeJS.ErrnoException) => e.code === 'EINVAL' || e.code === 'EISDIR', name);
    await assert.rejects(read(root, '/etc/loop1'), (e: NodeJS.ErrnoException) => e.code === 'ELOOP', name);
  }
}));

test('an empty file and one past the 64 KiB first read are read whole', () => withRoot(async (root) => {
  const big = Buffer.alloc(300 * 1024, 'y');
  writeFileSync(join(root, 'etc/big'), big);
  writeFileSync(join(root, 'etc/empty'), '');
  for (const [name, read] of impls) {
    assert.ok((await read(root, '/etc/big')).equals(big), name);
    assert.equal((await read(root, '/etc/empty')).length, 0, name);
  }
}));
