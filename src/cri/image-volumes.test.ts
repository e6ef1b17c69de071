// Unit tests of the CRI's image volumes: which mounts are image volumes, the
// engine mount made of one, the refusals containerd makes (with kubelet's
// ImageVolumeMountFailed mark), and ContainerStatus' entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalidArgument, isInvalidArgument, isNotFound, notFound } from '../core/errors.ts';
import type { Container, MountPoint } from '../core/types.ts';
import { ImageMountError, type Engine } from '../engine/index.ts';
import { asImageVolumeError, imageVolumeSpec, imageVolumeSpecs, imageVolumeStatuses, isImageVolume } from './image-volumes.ts';

const id = `sha256:${'9'.repeat(64)}`;
/** An engine whose store holds one image, `busybox` (also found by its id). */
const engine = {
  images: {
    async inspect(ref: string) {
      if (ref === 'busybox' || ref === id) return { id };
      throw notFound(`No such image: ${ref}`);
    },
  },
} as unknown as Engine;

const mount = (over: Record<string, unknown> = {}) => ({ container_path: '/mnt/v', host_path: '', readonly: true, propagation: 'PROPAGATION_PRIVATE', image: { image: 'busybox' }, image_sub_path: '', ...over });

test('isImageVolume() tells image volumes (image set) from binds (image null, as proto-loader leaves it)', () => {
  assert.equal(isImageVolume(mount()), true);
  assert.equal(isImageVolume(mount({ image: { image: '' } })), true);
  assert.equal(isImageVolume(mount({ image: null, host_path: '/h' })), false);
  assert.equal(isImageVolume({ container_path: '/x', host_path: '/h', readonly: false }), false);
});

test('imageVolumeSpec() makes a read-only engine image mount of the image as named, with its subpath', async () => {
  assert.deepEqual(await imageVolumeSpec(engine, mount()), { type: 'image', source: 'busybox', target: '/mnt/v', readOnly: true });
  assert.deepEqual(await imageVolumeSpec(engine, mount({ image: { image: id }, image_sub_path: 'etc' })), { type: 'image', source: id, target: '/mnt/v', readOnly: true, imageSubpath: 'etc' });
});

test('imageVolumeSpec() refuses as containerd does, each error marked ImageVolumeMountFailed', async () => {
  const refused = async (m: ReturnType<typeof mount>, kind: (e: unknown) => boolean, text: RegExp) =>
    assert.rejects(imageVolumeSpec(engine, m), (err: unknown) => kind(err) && /^ImageVolumeMountFailed: /.test((err as Error).message) && text.test((err as Error).message));
  await refused(mount({ readonly: false }), isInvalidArgument, /readonly must be true while mount image/);
  await refused(mount({ host_path: '/etc' }), isInvalidArgument, /hostpath must be empty while mount image/);
  await refused(mount({ image: { image: '' } }), isInvalidArgument, /image not specified/);
  // kubelet pulls first; berth never pulls here.
  await refused(mount({ image: { image: 'registry.example/absent:1' } }), isNotFound, /failed to resolve image "registry.example\/absent:1": not found/);
});

test('imageVolumeSpecs() keeps the image volumes only, in order', async () => {
  const specs = await imageVolumeSpecs(engine, [mount({ container_path: '/a' }), mount({ image: null, host_path: '/h', container_path: '/b' }), mount({ container_path: '/c', image: { image: id } })]);
  assert.deepEqual(specs.map((s) => [s.target, s.source]), [['/a', 'busybox'], ['/c', id]]);
});

test('asImageVolumeError() marks the engine\'s image mount errors, their kind kept, and leaves others', () => {
  const other = invalidArgument('Duplicate mount point: /x');
  assert.equal(asImageVolumeError(other), other);
  const marked = asImageVolumeError(new ImageMountError(invalidArgument('image subpath "x" does not exist in image "busybox"')));
  assert.ok(isInvalidArgument(marked));
  assert.equal((marked as Error).message, 'ImageVolumeMountFailed: image subpath "x" does not exist in image "busybox"');
  assert.ok(isNotFound(asImageVolumeError(new ImageMountError(notFound('No such image: y')))));
});

test('imageVolumeStatuses() reports each image mount with the image as asked and its id as image_ref', () => {
  const mp: MountPoint = { type: 'image', source: '/data/image-views/c-0/etc', destination: '/mnt/v', mode: 'ro', rw: false, propagation: 'rprivate', image: { ref: 'busybox', id: id as never, layers: [], view: 'c-0', subpath: 'etc' } };
  const bind: MountPoint = { type: 'bind', source: '/h', destination: '/b', mode: '', rw: true, propagation: 'rprivate' };
  assert.deepEqual(imageVolumeStatuses({ mountPoints: [bind, mp] } as unknown as Container), [
    { container_path: '/mnt/v', host_path: '/data/image-views/c-0/etc', readonly: true, propagation: 'PROPAGATION_PRIVATE', image: { image: 'busybox', image_ref: id }, image_sub_path: 'etc' },
  ]);
});
