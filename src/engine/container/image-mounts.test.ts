// Unit tests of image mounts: the view per mount, the subpath looked up inside
// the view, the errors' kinds, and which views a removal and a start-up drop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Digest } from '../../core/digest.ts';
import { isInvalidArgument, isNotFound, notFound } from '../../core/errors.ts';
import { log } from '../../lib/logger.ts';
import { parseMountSpec } from '../../volume/index.ts';
import { ImageMounts, isImageMountError, viewKey, viewOwner } from './image-mounts.ts';

const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const image = { id: d('1'), chain: [d('a'), d('b')] };

/** An ImageMounts over a fake store whose views are plain directories holding a small tree. */
async function fixture(t: { after(fn: () => Promise<void>): void }) {
  const root = await mkdtemp(join(tmpdir(), 'berth-image-mounts-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const views = new Map<string, readonly Digest[]>();
  const removed: string[] = [];
  const unpacked: string[] = [];
  const snapshotter = {
    async mountView(key: string, layers: readonly Digest[]) {
      const dir = join(root, key);
      await mkdir(join(dir, 'etc'), { recursive: true });
      await writeFile(join(dir, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
      await writeFile(join(dir, 'file'), '');
      await symlink('/etc', join(dir, 'link')).catch(() => undefined);
      await symlink('../../../../..', join(dir, 'up')).catch(() => undefined);
      views.set(key, layers);
      return dir;
    },
    async removeView(key: string) {
      views.delete(key);
      removed.push(key);
    },
    async listViews() {
      return [...views.keys()].sort();
    },
  };
  const images = {
    async resolve(ref: string) {
      if (ref !== 'img') throw notFound(`No such image: ${ref}`);
      return image;
    },
    async ensureUnpacked(id: string) {
      unpacked.push(id);
    },
  };
  const mounts = new ImageMounts({ images: images as never, snapshotter, log });
  return { root, mounts, views, removed, unpacked };
}

const request = (source: string, imageSubpath?: string) => parseMountSpec({ type: 'image', source, target: '/mnt/v', readOnly: true, ...(imageSubpath !== undefined ? { imageSubpath } : {}) });

test('viewKey() and viewOwner() name a container\'s views and find the container again', () => {
  const id = 'f'.repeat(64);
  assert.equal(viewKey(id, 3), `${id}-3`);
  assert.equal(viewOwner(viewKey(id, 3)), id);
});

test('make() mounts a view of the image\'s layers, top first, and binds its root read-only', async (t) => {
  const { root, mounts, views, unpacked } = await fixture(t);
  const mp = await mounts.make('c1', 0, request('img'));
  assert.deepEqual(views.get('c1-0'), [d('b'), d('a')]);
  assert.deepEqual(unpacked, [image.id]);
  assert.deepEqual(mp, {
    type: 'image', source: join(root, 'c1-0'), destination: '/mnt/v', mode: 'ro', rw: false, propagation: 'rprivate',
    image: { ref: 'img', id: image.id, layers: [d('b'), d('a')], view: 'c1-0', subpath: '' },
  });
});

test('make() finds a subpath inside the view, its links followed with the view as /', async (t) => {
  const { root, mounts } = await fixture(t);
  assert.equal((await mounts.make('c1', 0, request('img', 'etc'))).source, join(root, 'c1-0', 'etc'));
  assert.equal((await mounts.make('c1', 1, request('img', '/etc/'))).source, join(root, 'c1-1', 'etc'));
  // An absolute link and a `..` chain stay in the view.
  assert.equal((await mounts.make('c1', 2, request('img', 'link'))).source, join(root, 'c1-2', 'etc'));
  assert.equal((await mounts.make('c1', 3, request('img', 'up/etc'))).source, join(root, 'c1-3', 'etc'));
  assert.equal((await mounts.make('c1', 4, request('img', '../../etc'))).source, join(root, 'c1-4', 'etc'));
});

test('make() refuses a subpath that is missing or not a directory, and removes the view it mounted', async (t) => {
  const { mounts, views, removed } = await fixture(t);
  for (const [i, sub, text] of [[0, 'missing', /image subpath "missing" does not exist in image "img"/], [1, 'file', /image subpath "file" of image "img" is not a directory/]] as const) {
    await assert.rejects(mounts.make('c1', i, request('img', sub)), (err: unknown) => isImageMountError(err) && isInvalidArgument(err) && text.test(String(err)));
  }
  assert.deepEqual(removed, ['c1-0', 'c1-1']);
  assert.equal(views.size, 0);
});

test('make() fails with the store\'s NotFound, as an image mount error, for an image not in the store', async (t) => {
  const { mounts, views } = await fixture(t);
  await assert.rejects(mounts.make('c1', 0, request('nope')), (err: unknown) => isImageMountError(err) && isNotFound(err) && /No such image: nope/.test(String(err)));
  assert.equal(views.size, 0);
});

test('drop() removes one container\'s views; sweep() those of containers that do not exist', async (t) => {
  const { mounts, views } = await fixture(t);
  for (const [c, i] of [['c1', 0], ['c1', 1], ['c2', 0], ['c3', 0]] as const) await mounts.make(c, i, request('img'));
  await mounts.drop('c1');
  assert.deepEqual([...views.keys()].sort(), ['c2-0', 'c3-0']);
  assert.deepEqual(await mounts.sweep((id) => id === 'c2'), ['c3-0']);
  assert.deepEqual([...views.keys()], ['c2-0']);
});

test('source() mounts the view again (after a reboot) and answers the mount point\'s path', async (t) => {
  const { root, mounts, views } = await fixture(t);
  const mp = await mounts.make('c1', 0, request('img', 'etc'));
  views.clear();
  assert.equal(await mounts.source(mp), join(root, 'c1-0', 'etc'));
  assert.deepEqual(views.get('c1-0'), [d('b'), d('a')]);
});
