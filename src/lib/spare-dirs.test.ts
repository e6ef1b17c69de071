// SpareDirs: a tree made ahead comes by rename and is the template's tree; with
// none ready (or another template) the template's own ops come; staging is
// emptied at init; a pool whose staging is on another file system stays off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsBatch, type FsOp } from './fs-batch.ts';
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

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

test('a spare comes by one rename and makes the same tree as the template in place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-spares-'));
  const pool = new SpareDirs(join(dir, 'staging'), { refillDelayMs: 0 });
  try {
    mkdirSync(join(dir, 'dest'));
    mkdirSync(join(dir, 'staging/old'), { recursive: true });
    await pool.init(join(dir, 'dest'));
    assert.deepEqual(readdirSync(join(dir, 'staging')), [], 'a leftover from an earlier run goes at init');
    // None ready yet: the template's own ops (and a spare is begun).
    const first = pool.ops(join(dir, 'dest/a'), 'k', tree);
    assert.deepEqual(first, tree(join(dir, 'dest/a')));
    await fsBatch(first);
    await until(() => readdirSync(join(dir, 'staging')).length === 1);
    await new Promise((r) => setTimeout(r, 50));
    const second = pool.ops(join(dir, 'dest/b'), 'k', tree);
    assert.equal(second.length, 1);
    assert.equal(second[0]?.op, 'rename');
    await fsBatch(second);
    assert.deepEqual(shape(join(dir, 'dest/b')), shape(join(dir, 'dest/a')));
    assert.equal(readFileSync(join(dir, 'dest/b/upper/.dockerenv'), 'utf8'), '');
    // Another template: the spare made with the old one is not handed out.
    await until(() => readdirSync(join(dir, 'staging')).length === 1);
    await new Promise((r) => setTimeout(r, 50));
    const other = (root: string): FsOp[] => [{ op: 'mkdir', path: root, mode: 0o700, parents: true }];
    assert.deepEqual(pool.ops(join(dir, 'dest/c'), 'other', other), other(join(dir, 'dest/c')));
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pool whose staging is not on the destination file system stays off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-spares-'));
  const pool = new SpareDirs(join(dir, 'staging'), { refillDelayMs: 0 });
  try {
    await pool.init('/proc');
    assert.deepEqual(pool.ops(join(dir, 'a'), 'k', tree), tree(join(dir, 'a')));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(pool.ops(join(dir, 'b'), 'k', tree), tree(join(dir, 'b')));
    assert.ok(!existsSync(join(dir, 'staging', '0')));
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
