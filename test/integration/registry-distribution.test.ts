// GET /distribution/{name}/json against Debian's docker-registry: the
// reference's descriptor and platforms without a pull, through the API and
// through docker-py's images.get_registry_data (someone else's client).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startDaemon, type Daemon } from './harness.ts';
import { run } from './acceptance-support.ts';
import { busyboxOciLayout, skopeo, startRegistry, type Registry } from './registry-support.ts';

let d: Daemon;
let reg: Registry;
let manifestDigest = '';

before(async () => {
  reg = await startRegistry();
  d = await startDaemon();
  const img = busyboxOciLayout('dist');
  const r = skopeo(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${reg.host}/team/dist:v1`]);
  img.cleanup();
  assert.equal(r.code, 0, r.stderr);
  manifestDigest = img.manifestDigest;
});

after(async () => {
  await d?.stop();
  await reg?.stop();
});

const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';

test('distribution inspect reports the manifest descriptor and the platform from the image config', { timeout: 60_000 }, async () => {
  const raw = skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/team/dist:v1`]);
  assert.equal(raw.code, 0, raw.stderr);
  const r = await d.json<{ Descriptor: { mediaType: string; digest: string; size: number }; Platforms: { architecture: string; os: string }[] }>('GET', `/distribution/${reg.host}/team/dist:v1/json`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.Descriptor.digest, manifestDigest);
  assert.equal(r.body.Descriptor.digest, `sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`);
  assert.equal(r.body.Descriptor.size, Buffer.byteLength(raw.stdout));
  assert.equal(r.body.Descriptor.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.deepEqual(r.body.Platforms, [{ architecture: arch, os: 'linux' }]);
  // Nothing was pulled.
  const images = await d.json<unknown[]>('GET', '/images/json');
  assert.deepEqual(images.body, []);
});

test('distribution inspect of a tag the registry lacks answers 404 naming it', { timeout: 60_000 }, async () => {
  const r = await d.request('GET', `/distribution/${reg.host}/team/dist:nope/json`);
  assert.equal(r.status, 404, r.body.toString());
  assert.match(r.body.toString(), /manifest for .*team\/dist:nope not found/);
});

test('docker-py get_registry_data reads the same digest and platform', { timeout: 60_000 }, async () => {
  const script = [
    'import docker, sys',
    `c = docker.DockerClient(base_url='unix://${d.socket}')`,
    `rd = c.images.get_registry_data('${reg.host}/team/dist:v1')`,
    'print(rd.id)',
    `print(rd.has_platform('linux/${arch}'), rd.has_platform('windows/${arch}'))`,
  ].join('\n');
  const r = await run('python3', ['-c', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${manifestDigest}\nTrue False\n`);
});
