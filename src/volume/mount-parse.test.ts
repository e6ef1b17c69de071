import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../core/errors.ts';
import { parseBind, parseMountSpec, parseVolumesFrom, validMountMode } from './mount-parse.ts';

test('parseBind() reads an absolute source as a bind with rprivate propagation', () => {
  assert.deepEqual(parseBind('/host/dir/:/x'), {
    type: 'bind', source: '/host/dir', destination: '/x', mode: '', rw: true, propagation: 'rprivate', noCopy: false, createHostPath: true,
  });
});

test('parseBind() keeps the mode text and reads ro and propagation from it', () => {
  const m = parseBind('/a:/b:ro,rshared');
  assert.equal(m.rw, false);
  assert.equal(m.propagation, 'rshared');
  assert.equal(m.mode, 'ro,rshared');
});

test('parseBind() reads a name as a volume with mode z, and a lone path as an anonymous volume', () => {
  const named = parseBind('data:/var/lib/data');
  assert.equal(named.type, 'volume');
  assert.equal(named.source, 'data');
  assert.equal(named.mode, 'z');
  assert.equal(named.propagation, '');
  const anon = parseBind('/scratch');
  assert.equal(anon.type, 'volume');
  assert.equal(anon.source, '');
  assert.equal(anon.mode, '');
  assert.equal(parseBind('data:/d:nocopy').noCopy, true);
});

test('parseBind() refuses what dockerd refuses, with its messages', () => {
  const cases: [string, string][] = [
    ['/a:x', `invalid volume specification: '/a:x': invalid mount config for type "bind": invalid mount path: 'x' mount path must be absolute`],
    ['/a:/', `invalid volume specification: '/a:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    ['/a:/b:bogus', 'invalid mode: bogus'],
    ['/a:/b:ro,rw', 'invalid mode: ro,rw'],
    ['/foo:rw', `invalid volume specification: '/foo:rw'`],
    ['a:b:c:d', `invalid volume specification: 'a:b:c:d'`],
    [':/x', `invalid volume specification: ':/x'`],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => parseBind(raw), (e: unknown) => isInvalidArgument(e) && e.message === message, raw);
  }
});

test('validMountMode() allows one of each kind', () => {
  assert.equal(validMountMode('ro,z,rslave,nocopy'), true);
  assert.equal(validMountMode('z,Z'), false);
  assert.equal(validMountMode('shared,slave'), false);
});

test('parseMountSpec() checks bind sources, targets and options per type', () => {
  assert.throws(() => parseMountSpec({ type: 'bind', source: 'rel', target: '/x', readOnly: false }), /invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute/);
  assert.throws(() => parseMountSpec({ type: 'volume', source: '', target: '/x', readOnly: true }), /must not set ReadOnly mode when using anonymous volumes/);
  assert.throws(() => parseMountSpec({ type: 'tmpfs', source: 'x', target: '/x', readOnly: false }), /field Source must not be specified/);
  assert.throws(() => parseMountSpec({ type: 'bind', source: '/a', target: '/x', readOnly: false, bindPropagation: 'weird' }), /invalid propagation mode: weird/);
  const b = parseMountSpec({ type: 'bind', source: '/a', target: '/x/', readOnly: true, bindPropagation: 'rslave' });
  assert.deepEqual([b.destination, b.rw, b.propagation, b.createHostPath], ['/x', false, 'rslave', false]);
});

test('parseMountSpec() turns tmpfs size and mode into mount options', () => {
  const t = parseMountSpec({ type: 'tmpfs', source: '', target: '/t', readOnly: false, tmpfsSize: 1048576, tmpfsMode: 0o1770 });
  assert.deepEqual(t.tmpfsOptions, ['size=1024k', 'mode=1770']);
});

test('parseVolumesFrom() splits the container and the mode', () => {
  assert.deepEqual(parseVolumesFrom('web'), { container: 'web', mode: '' });
  assert.deepEqual(parseVolumesFrom('web:ro'), { container: 'web', mode: 'ro' });
  assert.deepEqual(parseVolumesFrom('web:rw'), { container: 'web', mode: 'rw' });
  assert.throws(() => parseVolumesFrom('web:bad'), /invalid mode: bad$/);
});

test('parseMountSpec(): BindOptions.ReadOnlyForceRecursive and ReadOnlyNonRecursive are carried to the mount point (dockerd checks them at start, whatever the propagation)', () => {
  const base = { type: 'bind' as const, source: '/src', target: '/dst', readOnly: true };
  assert.equal(parseMountSpec({ ...base, readOnlyForceRecursive: true }).recursiveReadOnly, true);
  assert.equal(parseMountSpec({ ...base, readOnlyForceRecursive: true, bindPropagation: 'rprivate' }).rw, false);
  assert.equal(parseMountSpec({ ...base, readOnlyForceRecursive: true, bindPropagation: 'rslave' }).propagation, 'rslave');
  assert.equal(parseMountSpec({ ...base, readOnlyNonRecursive: true }).readOnlyNonRecursive, true);
  assert.equal(parseMountSpec(base).recursiveReadOnly, undefined);
  assert.equal(parseMountSpec(base).readOnlyNonRecursive, undefined);
  // A writable one passes create; its start is refused (readOnlyOption).
  assert.equal(parseMountSpec({ ...base, readOnly: false, readOnlyForceRecursive: true }).rw, true);
});

test('parseBind(): the API 1.44 mode words ro-non-recursive, ro-force-recursive and rro make read-only binds; on a volume they are refused', () => {
  const ro = parseBind('/a:/b:ro');
  assert.equal(ro.rw, false);
  assert.equal(ro.recursiveReadOnly, undefined);
  assert.equal(ro.readOnlyNonRecursive, undefined);
  const non = parseBind('/a:/b:ro-non-recursive');
  assert.deepEqual([non.rw, non.readOnlyNonRecursive, non.recursiveReadOnly, non.mode], [false, true, undefined, 'ro-non-recursive']);
  const force = parseBind('/a:/b:ro-force-recursive,rprivate');
  assert.deepEqual([force.rw, force.recursiveReadOnly, force.readOnlyNonRecursive, force.propagation], [false, true, undefined, 'rprivate']);
  const rro = parseBind('/a:/b:rro,Z');
  assert.deepEqual([rro.rw, rro.recursiveReadOnly], [false, true]);
  // One rw word at most, as dockerd counts them.
  assert.throws(() => parseBind('/a:/b:ro,rro'), /^BerthError: invalid mode: ro,rro$/);
  assert.throws(() => parseBind('/a:/b:ro-other'), /^BerthError: invalid mode: ro-other$/);
  assert.throws(() => parseBind('vol:/b:rro'), /^BerthError: mount mode "rro" requires a bind mount: invalid volume specification: 'vol:\/b:rro'$/);
  assert.throws(() => parseBind('vol:/b:ro-non-recursive,nocopy'), /^BerthError: mount mode "ro-non-recursive,nocopy" requires a bind mount: invalid volume specification: 'vol:\/b:ro-non-recursive,nocopy'$/);
  // `/dst:rro` alone is a destination with a mode: refused as any.
  assert.throws(() => parseBind('/b:rro'), /invalid volume specification: '\/b:rro'/);
  assert.throws(() => parseVolumesFrom('web:rro'), /^BerthError: mount mode "rro" is not supported for volumes-from mounts: invalid mode: rro$/);
});

test('parseMountSpec() reads an image mount as read-only, private, with its subpath', () => {
  assert.deepEqual(parseMountSpec({ type: 'image', source: 'busybox:latest', target: '/mnt/img/', readOnly: true, imageSubpath: 'etc' }), {
    type: 'image', source: 'busybox:latest', destination: '/mnt/img', mode: 'ro', rw: false, propagation: 'rprivate', noCopy: false, createHostPath: false, imageSubpath: 'etc',
  });
  assert.equal(parseMountSpec({ type: 'image', source: 'sha256:' + 'a'.repeat(64), target: '/i', readOnly: true }).imageSubpath, '');
});

test('parseMountSpec() refuses an image mount without an image, a writable one, and other types\' options', () => {
  const bad = (m: Parameters<typeof parseMountSpec>[0], text: RegExp) => assert.throws(() => parseMountSpec(m), (err: unknown) => isInvalidArgument(err) && text.test(String(err)));
  bad({ type: 'image', source: '', target: '/i', readOnly: true }, /type "image": field Source must not be empty/);
  bad({ type: 'image', source: 'busybox', target: '/i', readOnly: false }, /image mounts must be read-only/);
  bad({ type: 'image', source: 'busybox', target: '/i', readOnly: true, bindPropagation: 'rshared' }, /field BindOptions/);
  bad({ type: 'image', source: 'busybox', target: '/i', readOnly: true, tmpfsSize: 1 }, /field TmpfsOptions/);
  bad({ type: 'image', source: 'busybox', target: 'i', readOnly: true }, /must be absolute/);
  bad({ type: 'bind', source: '/a', target: '/i', readOnly: true, imageSubpath: 'x' }, /type "bind": field ImageOptions must not be specified/);
});
