// berth-fs-agent (native/fs-agent) and the extraction built on it, on plain
// directories: a "stopped container" root with binds mounted by the agent in a
// private mount namespace. The calls stay inside the root whatever the tree
// holds (links to /, to the host, `..` chains), read-only binds refuse
// writes, only regular files are read, the agent refuses a process whose root
// is not the rootfs it was given, and nothing it mounts outlives it. Needs
// root and dist/berth-fs-agent (npm run build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { isInternal } from '../../src/core/errors.ts';
import { FsAgent, isInRootError, type AgentRoot } from '../../src/engine/container/fs-agent.ts';
import { extractInto } from '../../src/engine/container/extract.ts';
import { resolveContainerPath, type ContainerFsView } from '../../src/engine/container/fs-view.ts';
import { mountsUnder } from './acceptance-support.ts';

/** A temp dir holding root/ (the container's rootfs) and outside/ (the host's files it must not reach). */
async function withTree(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync('/tmp/berth-test-agent-');
  try {
    mkdirSync(join(dir, 'root', 'tmp'), { recursive: true });
    mkdirSync(join(dir, 'root', 'etc'));
    writeFileSync(join(dir, 'root', 'etc', 'passwd'), 'in root\n');
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside', 'secret'), 'host\n');
    await fn(dir);
    assert.deepEqual(mountsUnder(dir), [], 'the agent left mounts behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withAgent<T>(root: AgentRoot, fn: (a: FsAgent) => Promise<T>): Promise<T> {
  const a = await FsAgent.start(root);
  try {
    return await fn(a);
  } finally {
    await a.close();
  }
}

/** A stopped container's view over the agent (no mounts recorded: writable everywhere). */
function viewOf(a: FsAgent, root: string): ContainerFsView {
  const container = { spec: { host: { readonlyRootfs: false } }, mountPoints: [] } as unknown as ContainerFsView['container'];
  return { container, merged: root, upper: root, lower: [], running: false, files: async () => ({ view: a.view, base: a.base }) };
}

async function tarOf(name: string, options: { type?: 'symlink' | 'link'; linkname?: string } = {}): Promise<Readable> {
  const p = tar.pack();
  if (options.type) p.entry({ name, type: options.type, linkname: options.linkname ?? '' });
  else p.entry({ name }, 'x');
  p.finalize();
  return p as unknown as Readable;
}

test('the agent resolves and reads inside the root: links to /, to host paths and .. chains end in the root', () =>
  withTree(async (dir) => {
    const root = join(dir, 'root');
    symlinkSync('/', join(root, 'escape'));
    symlinkSync('../../../../..', join(root, 'etc', 'up'));
    symlinkSync(join(dir, 'outside'), join(root, 'hostdir'));
    symlinkSync(join(dir, 'outside', 'secret'), join(root, 'hostfile'));
    await withAgent({ rootfs: root, binds: [] }, async (a) => {
      assert.equal(await resolveContainerPath(a.view, '/escape/etc/passwd', { followLast: true }), '/etc/passwd');
      assert.equal(await resolveContainerPath(a.view, '/etc/up/etc/passwd', { followLast: true }), '/etc/passwd');
      assert.equal(await resolveContainerPath(a.view, '/escape', { followLast: false }), '/escape');
      assert.equal((await a.view.readFile('/escape/etc/up/etc/passwd')).toString(), 'in root\n');
      // A link naming a host path is a path in the root, where nothing is.
      await assert.rejects(a.view.readFile('/hostfile'), (err: unknown) => isInRootError(err, 'ENOENT'));
      await assert.rejects(a.view.readdir('/hostdir'), (err: unknown) => isInRootError(err, 'ENOENT'));
      assert.deepEqual((await a.view.readdir('/')).sort(), ['escape', 'etc', 'hostdir', 'hostfile', 'tmp']);
      // The last link is not followed unless asked.
      await assert.rejects(a.view.read('/escape', {}, async () => undefined), (err: unknown) => isInRootError(err, 'ELOOP', 'EINVAL'));
    });
  }));

test('the agent reads only regular files: a fifo or a device node in the root is refused, never opened for long', () =>
  withTree(async (dir) => {
    const root = join(dir, 'root');
    const made = spawn('sh', ['-c', `mkfifo ${join(root, 'fifo')} && mknod ${join(root, 'null')} c 1 3`]);
    assert.equal(await new Promise((r) => made.once('close', r)), 0);
    await withAgent({ rootfs: root, binds: [] }, async (a) => {
      for (const p of ['/fifo', '/null']) await assert.rejects(a.view.readFile(p), (err: unknown) => isInRootError(err, 'EINVAL'), p);
      // The agent still answers after a refusal.
      assert.equal((await a.view.readFile('/etc/passwd')).toString(), 'in root\n');
    });
  }));

test('the agent mounts binds inside the root (making a missing mount point), read-only ones refuse writes, and nothing is left mounted', () =>
  withTree(async (dir) => {
    const root = join(dir, 'root');
    const vol = join(dir, 'vol');
    const ro = join(dir, 'ro');
    mkdirSync(join(vol, 'sub'), { recursive: true });
    mkdirSync(ro);
    writeFileSync(join(ro, 'r'), 'read only\n');
    // The volume's own link to /etc resolves in the container's root, not in the volume's source.
    symlinkSync('/etc', join(vol, 'to-etc'));
    const binds = [
      { source: vol, destination: '/data/vol', rw: true },
      { source: ro, destination: '/ro', rw: false },
    ];
    await withAgent({ rootfs: root, binds }, async (a) => {
      assert.equal(await resolveContainerPath(a.view, '/data/vol/to-etc/passwd', { followLast: true }), '/etc/passwd');
      await a.view.writeFile('/data/vol/sub/new', 0o640, [Buffer.from('written\n')]);
      assert.equal((await a.view.readFile('/ro/r')).toString(), 'read only\n');
      await assert.rejects(a.view.writeFile('/ro/w', 0o644, [Buffer.from('x')]), (err: unknown) => isInRootError(err, 'EROFS'));
      // The base root is the rootfs alone: no binds there.
      await assert.rejects(a.base.lstat('/data/vol/sub'), (err: unknown) => isInRootError(err, 'ENOENT'));
    });
    assert.equal(readFileSync(join(vol, 'sub', 'new'), 'utf8'), 'written\n');
    assert.equal(statSync(join(vol, 'sub', 'new')).mode & 0o777, 0o640);
    assert.equal(existsSync(join(ro, 'w')), false);
    assert.ok(lstatSync(join(root, 'data', 'vol')).isDirectory(), 'the mount point is made in the rootfs');
    assert.deepEqual(mountsUnder(root), []);
  }));

test('the agent refuses a process whose root is not the rootfs it was given (a recycled pid)', () =>
  withTree(async (dir) => {
    // This test's own process has the host's root, not root/.
    await assert.rejects(FsAgent.start({ pid: process.pid, rootfs: join(dir, 'root') }), /is not the container's rootfs/);
  }));

test('a read abandoned half way ends the agent instead of leaving its answers in the pipe', () =>
  withTree(async (dir) => {
    writeFileSync(join(dir, 'root', 'big'), Buffer.alloc(1 << 20, 1));
    await withAgent({ rootfs: join(dir, 'root'), binds: [] }, async (a) => {
      await assert.rejects(
        a.view.read('/big', {}, async (_, chunks) => {
          for await (const _c of chunks) throw new Error('stop');
        }),
        /stop/,
      );
      await assert.rejects(a.view.lstat('/big'), (err: unknown) => isInternal(err) && /abandoned/.test((err as Error).message));
    });
  }));

test('extractInto() refuses an entry that climbs out of the destination in dockerd\'s words (a 500)', () =>
  withTree(async (dir) => {
    await withAgent({ rootfs: join(dir, 'root'), binds: [] }, async (a) => {
      const view = viewOf(a, join(dir, 'root'));
      await assert.rejects(extractInto(view, '/tmp', 'c', await tarOf('../../../../x')), (err: unknown) =>
        isInternal(err) && err.message === 'Error processing tar file(exit status 1): "../../../../x" is outside of "/tmp"');
      await assert.rejects(extractInto(view, '/tmp', 'c', await tarOf('a/../../x')), /"\.\.\/x" is outside of "\/tmp"/);
      await assert.rejects(extractInto(view, '/tmp', 'c', await tarOf('l', { type: 'symlink', linkname: '../../x' })), /invalid symlink "\/tmp\/l" -> "\.\.\/\.\.\/x"/);
      await assert.rejects(extractInto(view, '/tmp', 'c', await tarOf('h', { type: 'link', linkname: '../etc/passwd' })), /invalid hardlink "\/etc\/passwd" -> "\.\.\/etc\/passwd"/);
    });
    assert.equal(existsSync(join(dir, 'root', 'x')), false);
    assert.equal(existsSync(join(dir, 'x')), false);
    assert.equal(existsSync(join(dir, 'root', 'tmp', 'l')), false);
  }));

test('extractInto() writes an entry whose .. climbs back into the destination there, and through links only inside the root', () =>
  withTree(async (dir) => {
    const root = join(dir, 'root');
    // /tmp/up in the container points far above its root: followed inside the root, it is the root.
    symlinkSync('../../../../../../..', join(root, 'tmp', 'up'));
    symlinkSync(join(dir, 'outside'), join(root, 'tmp', 'host'));
    await withAgent({ rootfs: root, binds: [] }, async (a) => {
      const view = viewOf(a, root);
      await extractInto(view, '/tmp', 'c', await tarOf('../../../../tmp/x'));
      await extractInto(view, '/tmp', 'c', await tarOf('up/outside/y'));
      // /tmp/host names the host's dir: in the root a dangling link, through which the entry cannot be made (dockerd's Unpack fails the same).
      await assert.rejects(extractInto(view, '/tmp', 'c', await tarOf('host/z')), /open \/tmp\/host\/z: no such file or directory/);
    });
    assert.equal(readFileSync(join(root, 'tmp', 'x'), 'utf8'), 'x');
    assert.equal(readFileSync(join(root, 'outside', 'y'), 'utf8'), 'x');
    assert.equal(existsSync(join(dir, 'outside', 'y')), false);
    assert.equal(existsSync(join(dir, 'outside', 'z')), false);
  }));

test('extractInto() with noOverwriteDirNonDir refuses as dockerd words it, naming the destination last', () =>
  withTree(async (dir) => {
    await withAgent({ rootfs: join(dir, 'root'), binds: [] }, async (a) => {
      await assert.rejects(extractInto(viewOf(a, join(dir, 'root')), '/', 'c', await tarOf('tmp'), { noOverwriteDirNonDir: true }), (err: unknown) =>
        isInternal(err) && err.message === 'Error processing tar file(exit status 1): cannot overwrite directory "/tmp" with non-directory "/"');
    });
    assert.ok(lstatSync(join(dir, 'root', 'tmp')).isDirectory());
  }));

test('extractInto() replaces an existing symlink by the entry, never writing through it', () =>
  withTree(async (dir) => {
    const root = join(dir, 'root');
    symlinkSync(join(dir, 'outside', 'secret'), join(root, 'tmp', 'f'));
    chmodSync(join(dir, 'outside', 'secret'), 0o600);
    await withAgent({ rootfs: root, binds: [] }, async (a) => {
      await extractInto(viewOf(a, root), '/tmp', 'c', await tarOf('f'));
    });
    assert.equal(readFileSync(join(root, 'tmp', 'f'), 'utf8'), 'x');
    assert.equal(readFileSync(join(dir, 'outside', 'secret'), 'utf8'), 'host\n');
    assert.equal(statSync(join(dir, 'outside', 'secret')).mode & 0o777, 0o600);
  }));
