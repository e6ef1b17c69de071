// SpareDirs: a tree made ahead comes by rename and is the template's tree; with
// none ready, another template, a spare gone from under the pool or an entry
// already at the destination, the template's own ops make it; staging is
// emptied at init; a pool whose staging is on another file system stays off;
// the ops a make runs after the tree come either way, and their failure is the
// caller's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FsOp } from './fs-batch.ts';
import { SpareDirs } from './spare-dirs.ts';

const tree = (root: string): FsOp[] => [
  { op: 'mkdir', path: join(root, 'upper'), mode: 0o755, parents: true },
  { op: 'mkdir', path: join(root, 'work'), mode: 0o700 },
  { op: 'write', path: join(root, 'upper/.dockerenv'), data: '', mode: 0o755 },
  { op: 'symlink', path: join(root, 'upper/mtab'), target: '/proc/mounts' },
];

function shape(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = join(rel, name);
    const st = lstatSync(join(dir, p));
    out.push(`${st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'f'} ${p} ${(st.mode & 0o7777).toString(8)}`);
    if (st.isDirectory()) out.push(...shape(dir, p));
  }
  return out;
}

/** Waits until staging holds `n` trees, and the one being made is done. */
async function staged(staging: string, n: number): Promise<void> {
  for (let i = 0; i < 200 && readdirSync(staging).length !== n; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(readdirSync(staging).length, n);
}

async function withPool(fn: (dir: string, pool: SpareDirs, staging: string) => Promise<void>, destParent?: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-spares-'));
  const staging = join(dir, 'staging');
  const pool = new SpareDirs(staging, { refillDelayMs: 0 });
  try {
    mkdirSync(join(dir, 'dest'));
    mkdirSync(join(staging, 'left-by-a-crash'), { recursive: true });
    await pool.init(destParent ?? join(dir, 'dest'));
    await fn(dir, pool, staging);
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a spare comes by one rename and is the tree the template makes in place', () =>
  withPool(async (dir, pool, staging) => {
    assert.deepEqual(readdirSync(staging), [], 'what an earlier run left goes at init');
    await pool.make(join(dir, 'dest/a'), 'k', tree); // none ready: made in place, a spare begun
    await staged(staging, 1);
    const spare = join(staging, readdirSync(staging)[0]!);
    const inode = lstatSync(spare).ino;
    await pool.make(join(dir, 'dest/b'), 'k', tree);
    assert.equal(lstatSync(join(dir, 'dest/b')).ino, inode, 'b is the spare, renamed');
    assert.deepEqual(shape(join(dir, 'dest/b')), shape(join(dir, 'dest/a')));
    assert.equal(readFileSync(join(dir, 'dest/b/upper/.dockerenv'), 'utf8'), '');
  }));

test('another template, a spare gone from under the pool, or an entry at the destination: made in place', () =>
  withPool(async (dir, pool, staging) => {
    await pool.make(join(dir, 'dest/a'), 'k', tree);
    await staged(staging, 1);
    // Another template: the spare made with the old one is not handed out (and goes).
    const other = (root: string): FsOp[] => [{ op: 'mkdir', path: join(root, 'only'), mode: 0o700, parents: true }];
    await pool.make(join(dir, 'dest/b'), 'other', other);
    assert.deepEqual(shape(join(dir, 'dest/b')), ['d only 700']);
    await staged(staging, 1);
    // The spare removed under the pool: the make still makes the tree.
    rmSync(join(staging, readdirSync(staging)[0]!), { recursive: true });
    await pool.make(join(dir, 'dest/c'), 'other', other);
    assert.deepEqual(shape(join(dir, 'dest/c')), ['d only 700']);
    await staged(staging, 1);
    // An entry already at the destination is never replaced by the rename; the template's ops go over it.
    mkdirSync(join(dir, 'dest/d/keep'), { recursive: true });
    await pool.make(join(dir, 'dest/d'), 'other', other);
    assert.deepEqual(shape(join(dir, 'dest/d')), ['d keep 755', 'd only 700']);
  }));

test("the ops after the tree run on a spare and in place alike; their failure is the caller's, not a reason to make the tree again", () =>
  withPool(async (dir, pool, staging) => {
    const then = (root: string): FsOp[] => [{ op: 'write', path: join(root, 'upper/.dockerenv'), data: 'written', mode: 0o644 }];
    await pool.make(join(dir, 'dest/a'), 'k', tree, then(join(dir, 'dest/a'))); // in place
    await staged(staging, 1);
    const inode = lstatSync(join(staging, readdirSync(staging)[0]!)).ino;
    await pool.make(join(dir, 'dest/b'), 'k', tree, then(join(dir, 'dest/b'))); // the spare
    assert.equal(lstatSync(join(dir, 'dest/b')).ino, inode);
    for (const d of ['a', 'b']) assert.equal(readFileSync(join(dir, `dest/${d}/upper/.dockerenv`), 'utf8'), 'written');
    await staged(staging, 1);
    const spare = join(staging, readdirSync(staging)[0]!);
    const spareInode = lstatSync(spare).ino;
    // A write after the rename fails (its directory is missing): the error comes back, the moved tree stays.
    await assert.rejects(pool.make(join(dir, 'dest/c'), 'k', tree, [{ op: 'write', path: join(dir, 'dest/c/missing/x'), data: '', mode: 0o644 }]), { code: 'ENOENT', path: join(dir, 'dest/c/missing/x') });
    assert.equal(lstatSync(join(dir, 'dest/c')).ino, spareInode);
    assert.deepEqual(shape(join(dir, 'dest/c')), shape(join(dir, 'dest/a')));
    assert.equal(readdirSync(staging).includes(spare.slice(staging.length + 1)), false, 'the spare was moved, not made again');
  }));

test('a pool whose staging is not on the destination file system stays off', () =>
  withPool(
    async (dir, pool, staging) => {
      await pool.make(join(dir, 'dest/a'), 'k', tree);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(readdirSync(staging), []);
      assert.deepEqual(shape(join(dir, 'dest/a')), ['d upper 755', 'f upper/.dockerenv 755', 'l upper/mtab 777', 'd work 700']);
    },
    '/proc',
  ));
