// Pulls through berthd of images a hostile registry serves: more layers than
// dockerd's layer store takes (refused with its words, before any layer is
// downloaded), and a layer whose tar sets overlayfs' own xattrs through PAX
// records (the image is pulled, the xattrs are not set on the unpacked layer).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { sha256, type Digest } from '../../src/core/digest.ts';
import { parseReference } from '../../src/core/reference.ts';
import { makeTar } from '../../src/image/tar-fixture.ts';
import { log, setLogSink } from '../../src/lib/logger.ts';
import { createRegistryClient, type Descriptor } from '../../src/registry/index.ts';
import { startDaemon, type Daemon } from './harness.ts';
import { oneFileTar, startProxy, startRegistry, type Proxy, type Registry } from './registry-support.ts';

setLogSink(() => undefined);

/** Pushes an image made of `layerTars` (gzip) straight into the registry with the registry client. */
async function pushImage(reg: Registry, name: string, layerTars: readonly Buffer[]): Promise<void> {
  const client = createRegistryClient({ log });
  const ref = parseReference(`${reg.host}/${name}`);
  const push = async (bytes: Buffer, mediaType: string): Promise<Descriptor> => {
    const desc = { mediaType, digest: sha256(bytes), size: bytes.length };
    await client.pushBlob(ref, desc, () => Readable.from([bytes]));
    return desc;
  };
  const layers: Descriptor[] = [];
  for (const t of layerTars) layers.push(await push(gzipSync(t), 'application/vnd.oci.image.layer.v1.tar+gzip'));
  const config = Buffer.from(JSON.stringify({ architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: layerTars.map((t) => sha256(t)) } }));
  const configDesc = await push(config, 'application/vnd.oci.image.config.v1+json');
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers }));
  await client.putManifest(ref, manifest, 'application/vnd.oci.image.manifest.v1+json');
}

function getXattr(path: string, name: string): string | undefined {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import os,sys\ntry:\n  sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())\nexcept OSError:\n  sys.exit(3)', path, name]);
  return r.status === 0 ? r.stdout.toString() : undefined;
}

describe('pulling what a hostile registry serves', () => {
  let reg: Registry;
  let proxy: Proxy;
  let d: Daemon;

  before(async () => {
    reg = await startRegistry();
    proxy = await startProxy(reg.host);
    d = await startDaemon();
  });

  after(async () => {
    await d?.stop();
    await proxy?.stop();
    await reg?.stop();
  });

  test('an image of 126 layers is refused as dockerd refuses it, before any layer is downloaded', { timeout: 120_000 }, async () => {
    await pushImage(reg, 'deep/img:1', Array.from({ length: 126 }, (_, i) => oneFileTar(`f${i}`, Buffer.from(String(i)))));
    const r = await d.berth(['pull', `${proxy.host}/deep/img:1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed to register layer: max depth exceeded/);
    assert.equal(proxy.blobRequests.filter((b) => b.path.startsWith('/v2/deep/img/blobs/')).length, 1, 'only the config was fetched');
    assert.equal((await d.berth(['image', 'inspect', `${proxy.host}/deep/img:1`])).code, 1);
  });

  test('a layer that sets trusted.overlay.* through PAX records is pulled without them', { timeout: 120_000 }, async () => {
    const tar = await makeTar([
      { name: 'hidden/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
      { name: 'hidden/f', data: 'x', pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/etc', 'SCHILY.xattr.user.kept': 'yes' } },
    ]);
    await pushImage(reg, 'xattr/img:1', [tar]);
    const r = await d.berth(['pull', `${proxy.host}/xattr/img:1`]);
    assert.equal(r.code, 0, r.stderr);
    // The layer directory of the image's only layer (chain id = diff id).
    const layerFs = join(d.dataRoot, 'snapshots', sha256(tar).slice(7) as Digest, 'fs');
    assert.deepEqual(readdirSync(join(layerFs, 'hidden')), ['f']);
    assert.equal(getXattr(join(layerFs, 'hidden'), 'trusted.overlay.opaque'), undefined);
    assert.equal(getXattr(join(layerFs, 'hidden/f'), 'trusted.overlay.redirect'), undefined);
    assert.equal(getXattr(join(layerFs, 'hidden/f'), 'user.kept'), 'yes');
  });
});
