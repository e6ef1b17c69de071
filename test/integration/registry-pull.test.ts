// Pull and push against Debian's docker-registry on loopback over plain http:
// progress messages, up-to-date pulls, push → rmi → pull round trips that
// skopeo agrees with, cross-repository mounts, pulls by digest, gzip / zstd /
// plain layers, platform selection from an index, a corrupted layer, resuming
// a broken download with Range, and a berthd killed in the middle of a pull.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { busyboxOciLayout, skopeo, startProxy, startRegistry, type Registry } from './registry-support.ts';

let d: Daemon;
let reg: Registry;

before(async () => {
  reg = await startRegistry();
  d = await startDaemon();
});

after(async () => {
  await d?.stop();
  await reg?.stop();
});

function seed(repo: string, marker: string, options: Parameters<typeof busyboxOciLayout>[1] = {}): ReturnType<typeof busyboxOciLayout> {
  const img = busyboxOciLayout(marker, options);
  const r = skopeo(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${reg.host}/${repo}:latest`]);
  img.cleanup();
  assert.equal(r.code, 0, r.stderr);
  return img;
}

function messages(body: Buffer): { status?: string; id?: string; error?: string; progressDetail?: { current?: number; total?: number } }[] {
  return body
    .toString()
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { status?: string; id?: string; error?: string });
}

test('pulling from a plain-http loopback registry streams docker progress and stores the image', { timeout: 60_000 }, async () => {
  const img = seed('library/alpha', 'alpha');
  const r = await d.request('POST', `/images/create?fromImage=${reg.host}/library/alpha&tag=latest`);
  assert.equal(r.status, 200);
  const ms = messages(r.body);
  const short = img.layerDigest.slice(7, 19);
  assert.deepEqual(ms[0], { status: 'Pulling from library/alpha', progressDetail: {}, id: 'latest' });
  assert.ok(ms.some((m) => m.id === short && m.status === 'Pulling fs layer'));
  assert.ok(ms.some((m) => m.id === short && m.status === 'Downloading' && (m.progressDetail?.total ?? 0) > 0));
  assert.ok(ms.some((m) => m.id === short && m.status === 'Download complete'));
  assert.ok(ms.some((m) => m.id === short && m.status === 'Pull complete'));
  assert.equal(ms.at(-2)?.status, `Digest: ${img.manifestDigest}`);
  assert.equal(ms.at(-1)?.status, `Status: Downloaded newer image for ${reg.host}/library/alpha:latest`);
  const inspect = await d.json<{ Id: string; RepoTags: string[]; RepoDigests: string[] }>('GET', `/images/${reg.host}/library/alpha/json`);
  assert.equal(inspect.body.Id, img.configDigest);
  assert.deepEqual(inspect.body.RepoTags, [`${reg.host}/library/alpha:latest`]);
  assert.deepEqual(inspect.body.RepoDigests, [`${reg.host}/library/alpha@${img.manifestDigest}`]);
});

test('pulling an image that is already present says it is up to date', { timeout: 60_000 }, async () => {
  seed('library/beta', 'beta');
  assert.equal((await d.berth(['pull', `${reg.host}/library/beta`])).code, 0);
  const again = await d.berth(['pull', `${reg.host}/library/beta`]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${reg.host}/library/beta:latest`));
  assert.doesNotMatch(again.stdout, /Pulling fs layer/);
  assert.equal(again.stdout.trim().split('\n').at(-1), `${reg.host}/library/beta:latest`);
});

test('berth pull -q prints only the full reference', { timeout: 60_000 }, async () => {
  seed('quiet', 'quiet');
  const r = await d.berth(['pull', '-q', `${reg.host}/quiet`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${reg.host}/quiet:latest\n`);
});

test('a missing tag is an API error naming the manifest, and the CLI exits 1', { timeout: 60_000 }, async () => {
  const r = await d.json<{ message: string }>('POST', `/images/create?fromImage=${reg.host}/library/alpha&tag=nope`);
  assert.equal(r.status, 404);
  assert.equal(r.body.message, `manifest for ${reg.host}/library/alpha:nope not found: manifest unknown: manifest unknown`);
  const cli = await d.berth(['pull', `${reg.host}/library/alpha:nope`]);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /^Error response from daemon: manifest for .* not found/);
});

test('push, rmi and pull round-trip an image and skopeo agrees on the digest', { timeout: 90_000 }, async () => {
  await ensureBusybox(d);
  assert.equal((await d.berth(['tag', 'busybox', `${reg.host}/round/trip:v1`])).code, 0);
  const push = await d.berth(['push', `${reg.host}/round/trip:v1`]);
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, new RegExp(`^The push refers to repository \\[${reg.host}/round/trip\\]\n`));
  const m = /^v1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/m.exec(push.stdout);
  assert.ok(m, push.stdout);
  const digest = m[1] as string;
  const inspected = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/round/trip:v1`]).stdout) as { Digest: string };
  assert.equal(inspected.Digest, digest);
  const raw = skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/round/trip:v1`]).stdout;
  assert.equal(`sha256:${createHash('sha256').update(raw).digest('hex')}`, digest);
  assert.equal(Buffer.byteLength(raw), Number(m[2]));

  const again = await d.berth(['push', `${reg.host}/round/trip:v1`]);
  assert.match(again.stdout, /: Layer already exists\n/);
  assert.match(again.stdout, new RegExp(`v1: digest: ${digest}`));

  const id = (await d.json<{ Id: string }>('GET', '/images/busybox/json')).body.Id;
  assert.equal((await d.berth(['rmi', `${reg.host}/round/trip:v1`])).code, 0);
  const pull = await d.berth(['pull', `${reg.host}/round/trip:v1`]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
  const after = await d.json<{ Id: string; RepoDigests: string[] }>('GET', `/images/${reg.host}/round/trip:v1/json`);
  assert.equal(after.body.Id, id);
  assert.deepEqual(after.body.RepoDigests, [`${reg.host}/round/trip@${digest}`]);
});

test('pushing to a second repository of the same registry mounts the layer', { timeout: 60_000 }, async () => {
  await ensureBusybox(d);
  await d.berth(['tag', 'busybox', `${reg.host}/mount/a`]);
  assert.equal((await d.berth(['push', `${reg.host}/mount/a`])).code, 0);
  await d.berth(['tag', 'busybox', `${reg.host}/mount/b`]);
  const r = await d.berth(['push', `${reg.host}/mount/b`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /: Mounted from mount\/a\n/);
});

test('pushing an image that is not there names the tag as docker does', { timeout: 30_000 }, async () => {
  const r = await d.berth(['push', `${reg.host}/nothing/here`]);
  assert.equal(r.code, 1);
  // dockerd reports it inside the push stream, after naming the repository; the
  // docker CLI then prints it without "Error response from daemon:".
  assert.equal(r.stderr.trim(), `An image does not exist locally with the tag: ${reg.host}/nothing/here`);
  assert.match(r.stdout, new RegExp(`The push refers to repository \\[${reg.host}/nothing/here\\]`));
});

test('pulling by digest stores a digest reference and no tag', { timeout: 60_000 }, async () => {
  const img = seed('bydigest', 'bydigest');
  const r = await d.berth(['pull', `${reg.host}/bydigest@${img.manifestDigest}`]);
  assert.equal(r.code, 0, r.stderr);
  const inspect = await d.json<{ Id: string; RepoTags: string[]; RepoDigests: string[] }>('GET', `/images/${reg.host}/bydigest@${img.manifestDigest}/json`);
  assert.equal(inspect.status, 200);
  assert.deepEqual(inspect.body.RepoTags, []);
  assert.deepEqual(inspect.body.RepoDigests, [`${reg.host}/bydigest@${img.manifestDigest}`]);
});

test('zstd and uncompressed layers are unpacked like gzip ones', { timeout: 90_000 }, async () => {
  for (const kind of ['zstd', 'none'] as const) {
    const img = seed(`layers/${kind}`, `layers-${kind}`, { markerCompression: kind });
    const r = await d.berth(['pull', `${reg.host}/layers/${kind}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${img.layerDigest.slice(7, 19)}: Pull complete`));
    const run = await d.berth(['run', '--rm', '--network', 'none', `${reg.host}/layers/${kind}`, 'sha256sum', '/marker']);
    assert.equal(run.stdout.split(' ')[0], img.markerSha.slice(7), run.stderr);
  }
});

test('an index is resolved for the host platform, and an unknown platform is refused as docker does', { timeout: 90_000 }, async () => {
  // An OCI index with an amd64/arm64 entry for the host (the real image) and an s390x-less rest.
  const img = busyboxOciLayout('multi');
  const manifestBytes = readFileSync(join(img.dir, 'blobs', 'sha256', img.manifestDigest.slice(7)));
  const hostArch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const otherArch = hostArch === 'amd64' ? 'arm64' : 'amd64';
  const otherConfig = JSON.stringify({ architecture: otherArch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } });
  const put = (b: string | Buffer) => {
    const dg = `sha256:${createHash('sha256').update(b).digest('hex')}`;
    writeFileSync(join(img.dir, 'blobs', 'sha256', dg.slice(7)), b);
    return dg;
  };
  const otherConfigDigest = put(otherConfig);
  const otherManifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: otherConfigDigest, size: otherConfig.length }, layers: [] });
  const otherDigest = put(otherManifest);
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: otherDigest, size: otherManifest.length, platform: { os: 'linux', architecture: otherArch } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: manifestBytes.length, platform: { os: 'linux', architecture: hostArch } },
    ],
  });
  const indexDigest = put(index);
  writeFileSync(join(img.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: indexDigest, size: index.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
  mkdirSync(join(img.dir, 'blobs', 'sha256'), { recursive: true });
  const c = skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${reg.host}/multi:latest`]);
  img.cleanup();
  assert.equal(c.code, 0, c.stderr);

  const r = await d.berth(['pull', `${reg.host}/multi`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Digest: ${indexDigest}`));
  const inspect = await d.json<{ Id: string; Architecture: string; RepoDigests: string[] }>('GET', `/images/${reg.host}/multi/json`);
  assert.equal(inspect.body.Id, img.configDigest);
  assert.deepEqual(inspect.body.RepoDigests, [`${reg.host}/multi@${indexDigest}`]);

  const other = await d.berth(['pull', '--platform', `linux/${otherArch}`, `${reg.host}/multi:latest`]);
  assert.equal(other.code, 0, other.stderr);
  const otherImage = await d.json<{ Id: string; Architecture: string }>('GET', `/images/${reg.host}/multi/json`);
  assert.equal(otherImage.body.Id, otherConfigDigest);
  assert.equal(otherImage.body.Architecture, otherArch);

  const none = await d.berth(['pull', '--platform', 'linux/s390x', `${reg.host}/multi`]);
  assert.equal(none.code, 1);
  assert.equal(none.stderr.trim(), 'Error response from daemon: no matching manifest for linux/s390x in the manifest list entries');
});

test('a registry serving a corrupted layer fails the pull naming the digest, and no image appears', { timeout: 60_000 }, async () => {
  const img = seed('corrupt', 'corrupt');
  const proxy = await startProxy(reg.host, { corruptBlobs: true });
  try {
    const before = (await d.json<unknown[]>('GET', '/images/json')).body.length;
    const r = await d.berth(['pull', `${proxy.host}/corrupt`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(img.layerDigest));
    const list = await d.json<{ RepoTags: string[] }[]>('GET', '/images/json');
    assert.equal(list.body.length, before);
    assert.ok(!list.body.some((i) => i.RepoTags.some((t) => t.includes('corrupt'))));
  } finally {
    await proxy.stop();
  }
});

test('a download cut off half-way resumes with a Range request', { timeout: 60_000 }, async () => {
  const img = seed('resume', 'resume');
  const proxy = await startProxy(reg.host, { breakBlob: true });
  try {
    const r = await d.berth(['pull', `${proxy.host}/resume`]);
    assert.equal(r.code, 0, r.stderr);
    const layerGets = proxy.blobRequests.filter((b) => b.path.endsWith(img.layerDigest));
    assert.equal(layerGets.length, 2);
    assert.match(layerGets[1]?.range ?? '', /^bytes=\d+-$/);
    const inspect = await d.json<{ Id: string }>('GET', `/images/${proxy.host}/resume/json`);
    assert.equal(inspect.body.Id, img.configDigest);
  } finally {
    await proxy.stop();
  }
});

test('berth run of a missing image pulls it first, with progress on stderr', { timeout: 60_000 }, async () => {
  seed('runpull', 'runpull');
  const r = await d.berth(['run', '--rm', '--network', 'none', `${reg.host}/runpull`, 'echo', 'pulled and ran']);
  assert.equal(r.stdout, 'pulled and ran\n', r.stderr);
  assert.match(r.stderr, new RegExp(`Unable to find image '${reg.host}/runpull:latest' locally`));
  assert.match(r.stderr, /Status: Downloaded newer image for/);
});

test('killing berthd in the middle of a pull leaves no partial image, and the next pull completes', { timeout: 120_000 }, async () => {
  const img = seed('killed', 'killed');
  const proxy = await startProxy(reg.host, { stallBlobs: true });
  try {
    const pulling = d.berth(['pull', `${proxy.host}/killed`], { timeoutMs: 60_000 });
    const deadline = Date.now() + 20_000;
    while (!proxy.blobRequests.some((b) => b.path.endsWith(img.layerDigest)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    await new Promise((res) => setTimeout(res, 300));
    await d.kill('SIGKILL');
    const r = await pulling;
    assert.notEqual(r.code, 0);
    await d.restart();
    const list = await d.json<{ RepoTags: string[] }[]>('GET', '/images/json');
    assert.ok(!list.body.some((i) => i.RepoTags.some((t) => t.includes('killed'))));
    const again = await d.berth(['pull', `${reg.host}/killed`]);
    assert.equal(again.code, 0, again.stderr);
    const inspect = await d.json<{ Id: string }>('GET', `/images/${reg.host}/killed/json`);
    assert.equal(inspect.body.Id, img.configDigest);
  } finally {
    await proxy.stop();
  }
});

test('berth pull --all-tags pulls every tag of a repository and ends with one status line', { timeout: 90_000 }, async () => {
  for (const tag of ['one', 'two']) {
    const img = busyboxOciLayout(`alltags-${tag}`);
    const c = skopeo(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${reg.host}/alltags:${tag}`]);
    img.cleanup();
    assert.equal(c.code, 0, c.stderr);
  }
  const r = await d.berth(['pull', '-a', `${reg.host}/alltags`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^one: Pulling from alltags\n/m);
  assert.match(r.stdout, /^two: Pulling from alltags\n/m);
  assert.match(r.stdout, new RegExp(`Status: Downloaded newer image for ${reg.host}/alltags\n${reg.host}/alltags\n$`));
  for (const tag of ['one', 'two']) assert.equal((await d.request('GET', `/images/${reg.host}/alltags:${tag}/json`)).status, 200);
  const bad = await d.berth(['pull', '-a', `${reg.host}/alltags:one`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /tag can't be used with --all-tags\/-a/);
});
