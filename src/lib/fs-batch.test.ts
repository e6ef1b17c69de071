// fsBatch(): the addon's one-trip batch and the fs.promises one make the same
// directories, files and links, never write through a link, replace and
// remove without following one, and stop at the first failure naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsBatch, fsBatchPortable, type FsOp } from './fs-batch.ts';
import { nativeIfBuilt } from './native.ts';

const impls = [
  ['the addon', (ops: readonly FsOp[]) => fsBatch(ops)],
  ['fs.promises', fsBatchPortable],
] as const;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fs-batch-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every entry under dir: its type, mode, and content or link target. */
function listing(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = join(rel, name);
    const st = lstatSync(join(dir, p));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) out.push(`d ${p} ${mode}`, ...listing(dir, p));
    else if (st.isSymbolicLink()) out.push(`l ${p} -> ${readlinkSync(join(dir, p))}`);
    else out.push(`f ${p} ${mode} ${JSON.stringify(readFileSync(join(dir, p), 'latin1'))}`);
  }
  return out;
}

test('the addon is built with fsBatch (npm run build)', () => {
  assert.equal(typeof nativeIfBuilt()?.fsBatch, 'function');
});

test('both make the same tree: directories with their parents, files from strings and bytes, links; an existing directory is fine', () => withDir(async (dir) => {
  const ops = (root: string): FsOp[] => [
    { op: 'mkdir', path: join(root, 'a/b/c'), mode: 0o710, parents: true },
    { op: 'mkdir', path: join(root, 'a/b/c'), mode: 0o700 },
    { op: 'mkdir', path: join(root, 'w'), mode: 0o700 },
    { op: 'write', path: join(root, 'a/hostname'), data: 'host\n', mode: 0o666 },
    { op: 'write', path: join(root, 'a/bytes'), data: Buffer.from([0, 1, 2, 255]), mode: 0o600 },
    { op: 'write', path: join(root, 'a/empty'), data: '', mode: 0o755, replace: true },
    { op: 'symlink', path: join(root, 'a/mtab'), target: '/proc/mounts' },
  ];
  const trees: string[][] = [];
  for (const [name, run] of impls) {
    const root = join(dir, name.replace(/\W/g, '_'));
    mkdirSync(root);
    await run(ops(root));
    // Twice: a second run over the same tree truncates the files and keeps the directories.
    await run(ops(root).filter((o) => o.op !== 'symlink'));
    trees.push(listing(root));
  }
  assert.deepEqual(trees[0], trees[1]);
  assert.ok(trees[0]!.includes('f a/hostname 644 "host\\n"'), trees[0]!.join('\n'));
  assert.ok(trees[0]!.includes('f a/bytes 600 "\\u0000\\u0001\\u0002ÿ"'));
  assert.ok(trees[0]!.includes('l a/mtab -> /proc/mounts'));
}));

test('a write never goes through a link; replace removes what is there (a link too) without following it', async () => {
  for (const [name, run] of impls) {
    await withDir(async (dir) => {
      const outside = join(dir, 'outside');
      writeFileSync(outside, 'keep');
      symlinkSync(outside, join(dir, 'link'));
      await assert.rejects(run([{ op: 'write', path: join(dir, 'link'), data: 'x', mode: 0o644 }]), (e: NodeJS.ErrnoException) => e.code === 'ELOOP', name);
      symlinkSync(outside, join(dir, 'link2'));
      writeFileSync(join(dir, 'file'), 'old');
      await run([
        { op: 'write', path: join(dir, 'link'), data: '', mode: 0o755, replace: true },
        { op: 'symlink', path: join(dir, 'link2'), target: '/proc/mounts', replace: true },
        { op: 'symlink', path: join(dir, 'file'), target: '/elsewhere', replace: true },
      ]);
      assert.equal(readFileSync(outside, 'utf8'), 'keep', name);
      assert.ok(lstatSync(join(dir, 'link')).isFile(), name);
      assert.equal(readlinkSync(join(dir, 'link2')), '/proc/mounts', name);
      assert.equal(readlinkSync(join(dir, 'file')), '/elsewhere', name);
    });
  }
});

test('remove takes a tree, a file or a link away without following links, and is fine with nothing there', async () => {
  for (const [name, run] of impls) {
    await withDir(async (dir) => {
      const outside = join(dir, 'outside');
      mkdirSync(outside);
      writeFileSync(join(outside, 'keep'), 'keep');
      mkdirSync(join(dir, 'tree/sub'), { recursive: true });
      writeFileSync(join(dir, 'tree/sub/f'), 'x');
      symlinkSync(outside, join(dir, 'tree/to-outside'));
      symlinkSync(outside, join(dir, 'link'));
      writeFileSync(join(dir, 'file'), 'x');
      await run([
        { op: 'remove', path: join(dir, 'tree') },
        { op: 'remove', path: join(dir, 'link') },
        { op: 'remove', path: join(dir, 'file') },
        { op: 'remove', path: join(dir, 'nothing') },
      ]);
      assert.deepEqual(readdirSync(dir), ['outside'], name);
      assert.equal(readFileSync(join(outside, 'keep'), 'utf8'), 'keep', name);
    });
  }
});

test('a batch stops at its first failure, which names the path (in its message and as a property); what came before stays done', async () => {
  for (const [name, run] of impls) {
    await withDir(async (dir) => {
      writeFileSync(join(dir, 'file'), 'x');
      const err = await run([
        { op: 'mkdir', path: join(dir, 'made'), mode: 0o755 },
        { op: 'mkdir', path: join(dir, 'file'), mode: 0o755 },
        { op: 'mkdir', path: join(dir, 'never'), mode: 0o755 },
      ]).then(() => undefined, (e: NodeJS.ErrnoException) => e);
      assert.equal(err?.code, 'EEXIST', name);
      assert.ok(err?.message.includes(join(dir, 'file')), `${name}: ${err?.message}`);
      assert.equal(err?.path, join(dir, 'file'), `${name}: the path is a property too, as in Node's fs errors`);
      assert.deepEqual(readdirSync(dir).sort(), ['file', 'made'], name);
      await assert.rejects(run([{ op: 'write', path: join(dir, 'no/such/dir/f'), data: 'x', mode: 0o644 }]), (e: NodeJS.ErrnoException) => e.code === 'ENOENT', name);
    });
  }
});

test('rename moves a tree into place and never over an entry already there', async () => {
  for (const [name, run] of impls) {
    await withDir(async (dir) => {
      mkdirSync(join(dir, 'spare/upper'), { recursive: true });
      writeFileSync(join(dir, 'spare/upper/f'), 'x');
      await run([{ op: 'rename', path: join(dir, 'c1'), from: join(dir, 'spare') }]);
      assert.equal(readFileSync(join(dir, 'c1/upper/f'), 'utf8'), 'x', name);
      // An empty directory at the destination is not replaced (rename(2) alone would).
      mkdirSync(join(dir, 'spare2'));
      mkdirSync(join(dir, 'taken'));
      await assert.rejects(run([{ op: 'rename', path: join(dir, 'taken'), from: join(dir, 'spare2') }]), (e: NodeJS.ErrnoException) => e.code === 'EEXIST', name);
      await assert.rejects(run([{ op: 'rename', path: join(dir, 'c2'), from: join(dir, 'gone') }]), (e: NodeJS.ErrnoException) => e.code === 'ENOENT', name);
      assert.deepEqual(readdirSync(dir).sort(), ['c1', 'spare2', 'taken'], name);
    });
  }
});

test('the addon refuses a malformed op before it does anything', async () => {
  const native = nativeIfBuilt()!;
  assert.throws(() => native.fsBatch!([[7, '/tmp/x']]), TypeError);
  assert.throws(() => native.fsBatch!([[0, '', 0o755, false]]), TypeError);
  assert.throws(() => native.fsBatch!([[2, '/tmp/berth-fs-batch-never', '', false]]), TypeError);
  assert.throws(() => native.fsBatch!([[0, '/tmp/a\0b', 0o755, false]]), TypeError);
  assert.throws(() => native.fsBatch!([[4, '/tmp/berth-fs-batch-never', '']]), TypeError);
});
