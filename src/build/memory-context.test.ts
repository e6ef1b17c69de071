// The context held in memory must look exactly like the same tar unpacked to
// disk: the same COPY sources resolve, hash and read the same, so that a build
// whose context stayed in memory and one whose context went to disk share
// their cache keys, and a changed file changes the key either way.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import { TarReader, unpackLayer } from '../image/index.ts';
import { readContextDockerfile, removeIgnoredBuildFiles } from './classic-context.ts';
import { hostFs, type SourceFs } from './context-fs.ts';
import { receiveContext } from './context.ts';
import { hashSources, resolveSources } from './copy.ts';
import { MemoryTree } from './memory-context.ts';

interface Entry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  data?: string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  pax?: Record<string, string>;
}

async function makeTar(entries: readonly Entry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: new Date(1_700_000_000_000), ...(e.linkname !== undefined ? { linkname: e.linkname } : {}), ...(e.pax ? { pax: e.pax } : {}), ...(type === 'character-device' ? { devmajor: 1, devminor: 3 } : {}) };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, Buffer.from(e.data ?? ''), cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The tar read into a tree, in chunks of `step` bytes (entries split across chunks). */
function treeOf(tar: Buffer, step = 97): MemoryTree {
  const tree = new MemoryTree();
  const reader = new TarReader(tree);
  for (let i = 0; i < tar.length; i += step) void reader.write(tar.subarray(i, i + step));
  reader.end();
  return tree;
}

const scratch = mkdtempSync(join(tmpdir(), 'build2-memctx-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

async function onDisk(tar: Buffer): Promise<string> {
  const dir = join(scratch, `d${n++}`);
  mkdirSync(dir, { mode: 0o755 });
  await unpackLayer(Readable.from([tar]), dir);
  return dir;
}

/** What a COPY of `patterns` sees: the sources' names and their hash, or the error's message. */
async function copyView(fs: SourceFs, root: string, patterns: readonly string[]): Promise<string> {
  try {
    const found = await resolveSources(fs, root, patterns, 'COPY');
    const kinds = await Promise.all(found.map(async (f) => ((await fs.stat(f.abs)).isDirectory() ? 'dir' : 'file')));
    return `${found.map((f, i) => `${f.rel}:${kinds[i]}`).join(',')} ${await hashSources(found)}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

const patterns: readonly (readonly string[])[] = [['.'], ['a.txt'], ['dir'], ['dir/'], ['*.txt'], ['dir/*'], ['d*/s*'], ['link'], ['abslink'], ['dirlink'], ['dirlink/x.txt'], ['hard'], ['dangling'], ['nope'], ['*.none'], ['sub/deep/f'], ['a.txt', 'dir']];

async function assertSame(entries: readonly Entry[]): Promise<void> {
  const tar = await makeTar(entries);
  const tree = treeOf(tar);
  assert.equal(tree.unusual, undefined);
  const dir = await onDisk(tar);
  for (const p of patterns) assert.equal(await copyView(tree, '/', p), await copyView(hostFs, dir, p), `COPY ${p.join(' ')} of ${JSON.stringify(entries.map((e) => e.name))}`);
}

describe('a context in memory', () => {
  it('resolves and hashes COPY sources as the same tar unpacked to disk', async () => {
    await assertSame([
      { name: 'Dockerfile', data: 'FROM x\n' },
      { name: 'a.txt', data: 'a', mode: 0o600 },
      { name: 'b.txt', data: 'bb', mode: 0o4755, uid: 1000, gid: 1001 },
      { name: 'dir/', type: 'directory', mode: 0o2750, uid: 7, gid: 8 },
      { name: 'dir/x.txt', data: 'x' },
      { name: 'dir/sub/y', data: 'y' },
      { name: 'sub/deep/f', data: 'implicit parents' },
      { name: 'link', type: 'symlink', linkname: 'a.txt' },
      { name: 'abslink', type: 'symlink', linkname: '/dir/x.txt' },
      { name: 'dirlink', type: 'symlink', linkname: 'dir', uid: 3, gid: 4 },
      { name: 'dangling', type: 'symlink', linkname: 'nowhere' },
      { name: 'hard', type: 'link', linkname: 'b.txt' },
    ]);
  });

  it('matches the unpacker\'s writer threads too (a context of more than a few dozen files)', async () => {
    const many: Entry[] = Array.from({ length: 48 }, (_, i) => ({ name: `many/f${i}`, data: `file ${i}\n`.repeat(i), mode: [0o644, 0o600, 0o4755, 0o2711, 0o777][i % 5] ?? 0o644, uid: i % 3, gid: i % 4 }));
    await assertSame([{ name: 'a.txt', data: 'a' }, ...many, { name: 'hard', type: 'link', linkname: 'many/f7' }, { name: 'dir/x.txt', data: 'after the pool' }]);
    const tar = await makeTar(many);
    assert.equal(await copyView(treeOf(tar), '/', ['many']), await copyView(hostFs, await onDisk(tar), ['many']));
  });

  it('follows the unpacker when entries replace each other', async () => {
    await assertSame([
      { name: 'a.txt', data: 'first' },
      { name: 'a.txt', data: 'second, longer', mode: 0o640 },
      { name: 'dir/x.txt', data: 'x' },
      { name: 'dir', type: 'directory', mode: 0o700 },
      { name: 'dir/', type: 'directory', mode: 0o711, uid: 5, gid: 6 },
      { name: 'sub/deep/f', data: 'gone' },
      { name: 'sub', data: 'a file now' },
      { name: 'sub', type: 'directory' },
      { name: 'sub/deep/f', data: 'back' },
      { name: 'hard', data: 'replaced by a link' },
      { name: 'hard', type: 'link', linkname: 'a.txt' },
      { name: 'a.txt', data: 'third: the link keeps the second' },
    ]);
  });

  it('takes the root entry\'s metadata, as the unpacker does', async () => {
    await assertSame([
      { name: './', type: 'directory', mode: 0o750, uid: 9, gid: 9 },
      { name: './a.txt', data: 'a' },
      { name: '/dir//x.txt', data: 'clean names' },
    ]);
  });

  it('a changed file, mode or owner changes the hash', async () => {
    const base: Entry[] = [{ name: 'a.txt', data: 'a' }, { name: 'dir/x.txt', data: 'x' }];
    const hash = async (entries: Entry[]) => copyView(treeOf(await makeTar(entries)), '/', ['.']);
    const h0 = await hash(base);
    assert.equal(await hash([...base]), h0);
    assert.notEqual(await hash([base[0]!, { name: 'dir/x.txt', data: 'y' }]), h0);
    assert.notEqual(await hash([base[0]!, { name: 'dir/x.txt', data: 'x', mode: 0o755 }]), h0);
    // Only root can give files away: unprivileged, every file is the unpacking process's, in memory as on disk.
    if (process.getuid?.() === 0) assert.notEqual(await hash([base[0]!, { name: 'dir/x.txt', data: 'x', uid: 1 }]), h0);
    assert.notEqual(await hash([base[0]!, { name: 'dir/y.txt', data: 'x' }]), h0);
  });

  it('leaves what it does not model to the unpacker', async () => {
    const cases: Entry[][] = [
      [{ name: 'dev', type: 'character-device' }],
      [{ name: 'fifo', type: 'fifo' }],
      [{ name: '.wh.gone', data: '' }],
      [{ name: 'a', data: 'a', pax: { 'SCHILY.xattr.user.x': 'y' } }],
      [{ name: '../out', data: 'x' }],
      [{ name: 'l', type: 'symlink', linkname: 'dir' }, { name: 'l/x', data: 'x' }],
      [{ name: 'f', data: 'x' }, { name: 'f/x', data: 'x' }],
      [{ name: 'h', type: 'link', linkname: 'missing' }],
      [{ name: 'd/', type: 'directory' }, { name: 'h', type: 'link', linkname: 'd' }],
      [{ name: 'a', data: 'x' }, { name: 'a', type: 'link', linkname: 'a' }],
      [{ name: './', type: 'symlink', linkname: 'x' }],
    ];
    for (const c of cases) assert.notEqual(treeOf(await makeTar(c)).unusual, undefined, JSON.stringify(c));
  });

  it('finds the Dockerfile and drops the ignored build files as on disk', async () => {
    const tar = await makeTar([
      { name: 'sub/', type: 'directory' },
      { name: 'sub/app.Dockerfile', data: 'FROM busybox\n' },
      { name: 'dockerfile', data: 'FROM lower\n' },
      { name: '.dockerignore', data: 'sub/app.Dockerfile\n.dockerignore\n' },
      { name: 'Dockerlink', type: 'symlink', linkname: '/sub/app.Dockerfile' },
    ]);
    const tree = treeOf(tar);
    const dir = await onDisk(tar);
    for (const name of [undefined, 'Dockerlink', 'sub', 'sub/app.Dockerfile', 'missing']) {
      const view = (fs: SourceFs, root: string) => readContextDockerfile(fs, root, name).then((d) => JSON.stringify(d), (err: Error) => `error: ${err.message}`);
      assert.equal(await view(tree, '/'), await view(hostFs, dir), String(name));
    }
    await removeIgnoredBuildFiles(tree, '/', 'sub/app.Dockerfile');
    await removeIgnoredBuildFiles(hostFs, dir, 'sub/app.Dockerfile');
    assert.deepEqual((await tree.readdir('/')).sort(), readdirSync(dir).sort());
    assert.deepEqual(await tree.readdir('/sub'), readdirSync(join(dir, 'sub')));
    assert.deepEqual(tree.removed.sort(), ['/.dockerignore', '/sub/app.Dockerfile']);
  });
});

describe('receiveContext', () => {
  const tmpRoot = join(scratch, 'tmp');
  mkdirSync(tmpRoot);
  const entries: Entry[] = [{ name: 'Dockerfile', data: 'FROM x\nCOPY . /\n' }, { name: 'a.txt', data: 'a' }, { name: 'd/b', data: 'b' }, { name: '.dockerignore', data: '.dockerignore\n' }];
  const chunked = (buf: Buffer) => Readable.from([buf.subarray(0, 700), buf.subarray(700)]);

  it('holds a small context in memory and writes it to disk only when asked, as it would have been', async () => {
    const tar = await makeTar(entries);
    const ctx = await receiveContext(chunked(tar), tmpRoot);
    assert.notEqual(ctx.fs, hostFs);
    assert.equal(readdirSync(tmpRoot).length, 0, 'nothing on disk yet');
    await removeIgnoredBuildFiles(ctx.fs, ctx.root, 'Dockerfile');
    const memHash = await copyView(ctx.fs, ctx.root, ['.']);
    const dir = await ctx.dir();
    assert.equal(await ctx.dir(), dir);
    assert.deepEqual(readdirSync(dir).sort(), ['Dockerfile', 'a.txt', 'd']);
    assert.equal(readFileSync(await ctx.hostPath('/d/b'), 'utf8'), 'b');
    assert.equal(await copyView(hostFs, dir, ['.']), memHash);
    await ctx.dispose();
    assert.equal(readdirSync(tmpRoot).length, 0);
  });

  it('extracts a context over the limit, or one it does not model, to disk as it arrives', async () => {
    const big = await receiveContext(chunked(await makeTar(entries)), tmpRoot, { memoryLimit: 1000 });
    assert.equal(big.fs, hostFs);
    assert.deepEqual(readdirSync(big.root).sort(), ['.dockerignore', 'Dockerfile', 'a.txt', 'd']);
    await big.dispose();
    const odd = await receiveContext(chunked(await makeTar([...entries, { name: 'fifo', type: 'fifo' }])), tmpRoot);
    assert.equal(odd.fs, hostFs);
    await odd.dispose();
    assert.equal(readdirSync(tmpRoot).length, 0);
  });

  it('fails on a bad tar as the unpacker does', async () => {
    const tar = await makeTar(entries);
    await assert.rejects(receiveContext(Readable.from([tar.subarray(0, 515)]), tmpRoot), { message: 'unexpected EOF' });
    const bad = Buffer.from(tar);
    bad[0] = (bad[0] ?? 0) ^ 1;
    await assert.rejects(receiveContext(Readable.from([bad]), tmpRoot), { message: 'archive/tar: invalid tar header' });
    await assert.rejects(receiveContext(Readable.from([tar.subarray(0, 515)]), tmpRoot, { memoryLimit: 0 }), { message: 'unexpected EOF' });
    assert.equal(readdirSync(tmpRoot).length, 0);
  });
});
