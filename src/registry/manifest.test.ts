import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '../core/errors.ts';
import { parseManifest, parsePlatform, selectManifest } from './manifest.ts';
import { isLoopbackHost, registryHostOf } from './registry-endpoints.ts';
import type { ImageIndex } from './types.ts';
import type { Digest } from '../core/digest.ts';

const d = (c: string): Digest => `sha256:${c.repeat(64)}`;

test('parseManifest() reads a Docker schema 2 manifest', () => {
  const doc = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: d('a'), size: 10 },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d('b'), size: 20 }],
  };
  const m = parseManifest(Buffer.from(JSON.stringify(doc)));
  assert.equal(m.kind, 'manifest');
  if (m.kind === 'manifest') {
    assert.equal(m.manifest.config.digest, d('a'));
    assert.equal(m.manifest.layers[0]?.size, 20);
  }
});

test('parseManifest() takes the media type from the header when the document has none', () => {
  const doc = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('c'), size: 5, platform: { os: 'linux', architecture: 'amd64' } }] };
  const m = parseManifest(Buffer.from(JSON.stringify(doc)), 'application/vnd.oci.image.index.v1+json');
  assert.equal(m.kind, 'index');
  if (m.kind === 'index') assert.equal(m.index.mediaType, 'application/vnd.oci.image.index.v1+json');
});

test('parseManifest() rejects schema 1, bad digests and negative sizes', () => {
  assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1}')), (e) => isInvalidArgument(e) && /schema 1/.test(e.message));
  const bad = { schemaVersion: 2, config: { mediaType: 'x', digest: 'md5:abc', size: 1 }, layers: [] };
  assert.throws(() => parseManifest(Buffer.from(JSON.stringify(bad))), isInvalidArgument);
  const neg = { schemaVersion: 2, config: { mediaType: 'x', digest: d('a'), size: -1 }, layers: [] };
  assert.throws(() => parseManifest(Buffer.from(JSON.stringify(neg))), isInvalidArgument);
  assert.throws(() => parseManifest(Buffer.from('not json')), isInvalidArgument);
});

const index: ImageIndex = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    { mediaType: 'm', digest: d('1'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { mediaType: 'm', digest: d('2'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { mediaType: 'm', digest: d('3'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: 'm', digest: d('4'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { mediaType: 'm', digest: d('5'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
  ],
};

test('selectManifest() picks the entry for the wanted os, architecture and variant', () => {
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'amd64' })?.digest, d('3'));
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest, d('2'));
  assert.equal(selectManifest(index, parsePlatform('linux/arm64'))?.digest, d('4'));
  assert.equal(selectManifest(index, { os: 'linux', architecture: 's390x' }), undefined);
  assert.equal(selectManifest(index, { os: 'windows', architecture: 'amd64' }), undefined);
});

test('parsePlatform() normalises architecture names as docker does', () => {
  assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.throws(() => parsePlatform('a/b/c/d'), isInvalidArgument);
});

test('loopback hosts are insecure by default and docker.io is served by registry-1', () => {
  assert.ok(isLoopbackHost('localhost:5000'));
  assert.ok(isLoopbackHost('127.0.0.1:5000'));
  assert.ok(isLoopbackHost('[::1]:5000'));
  assert.ok(!isLoopbackHost('example.com:5000'));
  assert.equal(registryHostOf('docker.io'), 'registry-1.docker.io');
  assert.equal(registryHostOf('quay.io'), 'quay.io');
});
