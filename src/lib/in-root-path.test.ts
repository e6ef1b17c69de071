// resolvePathInRoot(): the cases the former copies (runtime/user.ts,
// engine/container-fs-view.ts, volume/copy-up.ts) were tested with, and
// properties over random trees of real directories and symlinks (absolute and
// relative targets, `..` chains, links out of the root, loops): the result
// never leaves the root, holds no `..`, and every symlink on it is resolved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import fc from 'fast-check';
import { hostPathInRoot, isSymlinkLoop, resolvePathInRoot } from './in-root-path.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-inroot-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('absolute and climbing symlinks stay inside the root; the last link is kept when asked', () => withDir(async (dir) => {
  const root = join(dir, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'real', 'data'), { recursive: true });
  await writeFile(join(root, 'etc', 'passwd'), 'in root');
  await mkdir(join(dir, 'etc'));
  await writeFile(join(dir, 'etc', 'passwd'), 'outside');
  await symlink('/', join(root, 'escape'));
  await symlink('../../../../..', join(root, 'etc', 'up'));
  await symlink(join(dir, 'etc'), join(root, 'hostetc'));
  await symlink('../real', join(root, 'rel'));
  await symlink('/real/../etc', join(root, 'abs'));
  assert.equal(await resolvePathInRoot(root, '/escape/etc/passwd'), '/etc/passwd');
  assert.equal(await resolvePathInRoot(root, '/etc/up/etc/passwd'), '/etc/passwd');
  assert.equal(await resolvePathInRoot(root, '/escape', { followLast: false }), '/escape');
  assert.equal(await resolvePathInRoot(root, '/../../etc'), '/etc');
  // An absolute target naming a host directory restarts at the root: the host's /etc is not reached.
  assert.equal(await resolvePathInRoot(root, '/hostetc/passwd'), `${join(dir, 'etc')}/passwd`);
  assert.equal(await hostPathInRoot(root, '/rel/data/'), join(root, 'real', 'data'));
  assert.equal(await hostPathInRoot(root, '/abs/passwd'), join(root, 'etc', 'passwd'));
  assert.equal(await hostPathInRoot(root, '/'), root);
  assert.equal(await hostPathInRoot(root, '/missing/x'), join(root, 'missing', 'x'));
}));

test('a symlink loop fails with an ELOOP error', () => withDir(async (root) => {
  await symlink('b', join(root, 'a'));
  await symlink('/a', join(root, 'b'));
  await symlink('self', join(root, 'self'));
  for (const p of ['/a', '/b/x', '/self']) {
    await assert.rejects(resolvePathInRoot(root, p), (err: unknown) => isSymlinkLoop(err) && (err as { code: string }).code === 'ELOOP' && /too many levels of symbolic links/.test((err as Error).message));
  }
  // Not followed, the last link is no loop.
  assert.equal(await resolvePathInRoot(root, '/self', { followLast: false }), '/self');
}));

test('a mount point is crossed through hostPath (the container view)', () => withDir(async (dir) => {
  const root = join(dir, 'root');
  const vol = join(dir, 'vol');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'data'), { recursive: true });
  await mkdir(vol);
  await symlink('../etc', join(vol, 'to-etc'));
  const hostPath = (p: string) => (p === '/data' || p.startsWith('/data/') ? posix.join(vol, p.slice('/data'.length)) : posix.join(root, p));
  assert.equal(await resolvePathInRoot(root, '/data/to-etc/passwd', { hostPath }), '/etc/passwd');
}));

// ------------------------------------------------------------ random trees

const name = fc.constantFrom('a', 'b', 'c', 'd');
const segment = fc.oneof(name, fc.constant('..'), fc.constant('.'), fc.constant('out'));
const entry = fc.record({
  parent: fc.array(name, { maxLength: 2 }),
  name,
  kind: fc.constantFrom('dir', 'file', 'link', 'link', 'link'),
  target: fc.record({ absolute: fc.boolean(), host: fc.boolean(), segs: fc.array(segment, { maxLength: 5 }) }),
});
const scenario = fc.record({
  entries: fc.array(entry, { minLength: 1, maxLength: 14 }),
  queries: fc.array(fc.record({ segs: fc.array(segment, { maxLength: 6 }), followLast: fc.boolean() }), { minLength: 1, maxLength: 6 }),
});

/** Builds the tree under `root`; `outside` (a sibling) holds the files a link must never reach. */
interface Entry {
  readonly parent: readonly string[];
  readonly name: string;
  readonly kind: string;
  readonly target: { readonly absolute: boolean; readonly host: boolean; readonly segs: readonly string[] };
}

async function build(dir: string, entries: readonly Entry[]): Promise<string> {
  const root = join(dir, 'root');
  await mkdir(root);
  for (const n of ['a', 'b', 'c', 'd', 'out']) {
    await mkdir(join(dir, 'outside', n), { recursive: true });
    await writeFile(join(dir, 'outside', n, 'secret'), 'host');
  }
  for (const e of entries) {
    const parent = join(root, ...e.parent);
    const made = await mkdir(parent, { recursive: true }).then(() => true, () => false);
    if (!made) continue; // a parent is a file or link
    const path = join(parent, e.name);
    if (await lstat(path).then(() => true, () => false)) continue;
    const tail = e.target.segs.join('/');
    if (e.kind === 'dir') await mkdir(path);
    else if (e.kind === 'file') await writeFile(path, 'root');
    else if (e.target.host) await symlink(join(dir, 'outside', tail), path); // an absolute host path
    else await symlink(e.target.absolute ? `/${tail}` : tail || '.', path);
  }
  return root;
}

test('random symlink trees: the result never leaves the root and holds no unresolved link', async () => {
  await fc.assert(fc.asyncProperty(scenario, async ({ entries, queries }) => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-inroot-'));
    try {
      const root = await build(dir, entries);
      const realRoot = await realpath(root);
      for (const q of queries) {
        let p: string;
        try {
          p = await resolvePathInRoot(root, `/${q.segs.join('/')}`, { followLast: q.followLast });
        } catch (err) {
          if (isSymlinkLoop(err)) continue; // a loop in the tree: refusing is the safe answer
          throw err;
        }
        const segs = p.split('/').slice(1).filter((s) => s !== '');
        assert.ok(p.startsWith('/'), p);
        assert.ok(!segs.includes('..') && !segs.includes('.'), p);
        const host = join(root, ...segs);
        assert.ok(host === root || host.startsWith(`${root}/`), host);
        // Every component that exists is no symlink (except a last one left unfollowed on purpose),
        // and the kernel's own resolution of it ends inside the root.
        for (let i = 1; i <= segs.length; i++) {
          const prefix = join(root, ...segs.slice(0, i));
          const st = await lstat(prefix).catch(() => undefined);
          if (st === undefined) break;
          if (i === segs.length && !q.followLast) break;
          assert.ok(!st.isSymbolicLink(), `${prefix} is a symlink in the result ${p}`);
          const real = await realpath(prefix);
          assert.ok(real === realRoot || real.startsWith(`${realRoot}/`), `${prefix} resolves to ${real}, outside the root`);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }), { numRuns: 150 });
});
