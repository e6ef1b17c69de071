// The registry client on its own against Debian's docker-registry: chunked and
// monolithic blob uploads, HEAD, verified whole-blob fetches, manifest PUT and
// resolve, and docker's wording when nothing listens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { sha256 } from '../../src/core/digest.ts';
import { isInvalidArgument, isNotFound, isUnavailable } from '../../src/core/errors.ts';
import { parseReference } from '../../src/core/reference.ts';
import { setLogSink, log } from '../../src/lib/logger.ts';
import { createRegistryClient, type RegistryClient } from '../../src/registry/index.ts';
import { freePort, startRegistry, type Registry } from './registry-support.ts';

let reg: Registry;
let client: RegistryClient;

before(async () => {
  setLogSink(() => undefined);
  reg = await startRegistry();
  client = createRegistryClient({ log });
});

after(async () => {
  await reg?.stop();
});

test('a chunked upload of a blob lands with its digest and can be fetched back', { timeout: 30_000 }, async () => {
  const ref = parseReference(`${reg.host}/client/chunked`);
  const data = randomBytes(100_000);
  const desc = { mediaType: 'application/octet-stream', digest: sha256(data), size: data.length };
  assert.equal(await client.hasBlob(ref, desc.digest), false);
  let sent = 0;
  const r = await client.pushBlob(ref, desc, () => Readable.from([data]), { chunkSize: 16_384, onBytes: (n) => (sent += n) });
  assert.equal(r, 'uploaded');
  assert.equal(sent, data.length);
  assert.equal(await client.hasBlob(ref, desc.digest), true);
  assert.deepEqual(await client.fetchBlobBytes(ref, desc), data);
});

test('a monolithic upload, a mount into another repository, and a manifest resolve', { timeout: 30_000 }, async () => {
  const a = parseReference(`${reg.host}/client/a:v1`);
  const b = parseReference(`${reg.host}/client/b:v1`);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const cdesc = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length };
  assert.equal(await client.pushBlob(a, cdesc, () => Readable.from([config])), 'uploaded');
  assert.equal(await client.pushBlob(b, cdesc, () => Readable.from([config]), { mountFrom: 'client/a' }), 'mounted');
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: cdesc, layers: [] }));
  assert.equal(await client.putManifest(b, manifest, 'application/vnd.oci.image.manifest.v1+json'), sha256(manifest));
  const resolved = await client.resolve(b, { platform: { os: 'linux', architecture: 'amd64' } });
  assert.equal(resolved.digest, sha256(manifest));
  assert.equal(resolved.manifest.config.digest, cdesc.digest);
});

test('a blob fetched whole is checked against its descriptor', { timeout: 30_000 }, async () => {
  const ref = parseReference(`${reg.host}/client/chunked`);
  const data = randomBytes(1000);
  const desc = { mediaType: 'application/octet-stream', digest: sha256(data), size: data.length };
  await client.pushBlob(ref, desc, () => Readable.from([data]));
  await assert.rejects(client.fetchBlobBytes(ref, { ...desc, size: 999 }), isInvalidArgument);
  await assert.rejects(client.fetchBlobBytes(ref, { ...desc, digest: sha256('other') }), isNotFound);
});

test('a registry that is not listening is Unavailable with docker\'s connection-refused wording', { timeout: 30_000 }, async () => {
  const port = await freePort();
  await assert.rejects(client.resolve(parseReference(`127.0.0.1:${port}/x`)), (e) => isUnavailable(e) && new RegExp(`dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused`).test(e.message));
});
