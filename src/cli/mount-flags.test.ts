import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountBodyParts, parseMountFlag, parseVolumeFlag } from './mount-flags.ts';

test('parseVolumeFlag() makes ./x, ., .. and ~ sources absolute and leaves names and absolute paths alone', () => {
  assert.deepEqual(parseVolumeFlag('./out:/out', '/home/u/p', '/root'), { bind: '/home/u/p/out:/out' });
  assert.deepEqual(parseVolumeFlag('.:/w:ro', '/home/u/p', '/root'), { bind: '/home/u/p:/w:ro' });
  assert.deepEqual(parseVolumeFlag('../up:/u', '/home/u/p', '/root'), { bind: '/home/u/up:/u' });
  assert.deepEqual(parseVolumeFlag('~/data:/d', '/home/u/p', '/root'), { bind: '/root/data:/d' });
  assert.deepEqual(parseVolumeFlag('name:/d', '/home/u/p', '/root'), { bind: 'name:/d' });
  assert.deepEqual(parseVolumeFlag('/abs:/d:rw', '/home/u/p', '/root'), { bind: '/abs:/d:rw' });
});

test('parseVolumeFlag() turns a lone path into an anonymous volume (Config.Volumes)', () => {
  assert.deepEqual(parseVolumeFlag('/scratch'), { volume: '/scratch' });
  assert.deepEqual(mountBodyParts({ volume: ['/scratch', '/a:/b'] }, '/w', '/root'), { Volumes: { '/scratch': {} }, Binds: ['/a:/b'] });
});

test('parseMountFlag() reads bind, volume and tmpfs options', () => {
  assert.deepEqual(parseMountFlag('type=bind,src=./x,dst=/x,readonly,bind-propagation=rslave', '/w', '/root'), {
    Type: 'bind', Source: '/w/x', Target: '/x', ReadOnly: true, BindOptions: { Propagation: 'rslave' },
  });
  assert.deepEqual(parseMountFlag('source=v,target=/v,volume-nocopy,volume-label=a=b,volume-opt=type=tmpfs,volume-opt=device=tmpfs'), {
    Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } } },
  });
  assert.deepEqual(parseMountFlag('type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770'), {
    Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1770 },
  });
  assert.deepEqual(parseMountFlag('type=volume,target=/v,"volume-opt=o=size=1m,uid=1"'), {
    Type: 'volume', Target: '/v', VolumeOptions: { DriverConfig: { Options: { o: 'size=1m,uid=1' } } },
  });
});

test('parseMountFlag() refuses what the docker CLI refuses', () => {
  assert.throws(() => parseMountFlag('type=bind,src=/a'), /invalid argument "type=bind,src=\/a" for "--mount" flag: target is required/);
  assert.throws(() => parseMountFlag('type=nfs,target=/a'), /invalid mount type: nfs/);
  assert.throws(() => parseMountFlag('type=bind,src=/a,target=/b,volume-nocopy'), /cannot mix 'volume-\*' options with mount type 'bind'/);
  assert.throws(() => parseMountFlag('target=/b,foo=bar'), /unexpected key 'foo'/);
});

test('mountBodyParts() fills Tmpfs and VolumesFrom', () => {
  assert.deepEqual(mountBodyParts({ tmpfs: ['/run:size=1m,mode=755', '/x'], volumesFrom: ['a:ro'] }), { Tmpfs: { '/run': 'size=1m,mode=755', '/x': '' }, VolumesFrom: ['a:ro'] });
  assert.throws(() => mountBodyParts({ tmpfs: ['rel'] }), /mount path must be absolute/);
});

test('parseVolumeFlag() takes a spec of one or two characters as an anonymous volume target, as docker does (`-v :`)', () => {
  assert.deepEqual(parseVolumeFlag(':'), { volume: ':' });
  assert.deepEqual(parseVolumeFlag('a:'), { volume: 'a:' });
});

test('--mount bind-recursive: enabled sends nothing, disabled NonRecursive, writable ReadOnlyNonRecursive, readonly ReadOnlyForceRecursive (docker v28)', () => {
  const bind = 'type=bind,src=/s,dst=/d';
  assert.equal(parseMountFlag(`${bind},bind-recursive=enabled`).BindOptions, undefined);
  assert.deepEqual(parseMountFlag(`${bind},bind-recursive=disabled`).BindOptions, { NonRecursive: true });
  assert.deepEqual(parseMountFlag(`${bind},readonly,bind-recursive=writable`).BindOptions, { ReadOnlyNonRecursive: true });
  assert.deepEqual(parseMountFlag(`${bind},readonly,bind-recursive=readonly,bind-propagation=rprivate`).BindOptions, { ReadOnlyForceRecursive: true, Propagation: 'rprivate' });
  assert.throws(() => parseMountFlag(`${bind},bind-recursive=yes`), /invalid value for bind-recursive: yes \(must be "enabled", "disabled", "writable", or "readonly"\)$/);
  assert.throws(() => parseMountFlag(`${bind},bind-recursive=writable`), /option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction$/);
  assert.throws(() => parseMountFlag(`${bind},bind-recursive=readonly,bind-propagation=rprivate`), /option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction$/);
  assert.throws(() => parseMountFlag(`${bind},readonly,bind-recursive=readonly`), /option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction$/);
  assert.deepEqual(parseMountFlag(`${bind},bind-nonrecursive`).BindOptions, { NonRecursive: true });
  assert.throws(() => parseMountFlag('type=volume,dst=/d,bind-recursive=disabled'), /cannot mix 'bind-\*' options with mount type 'volume'$/);
});
