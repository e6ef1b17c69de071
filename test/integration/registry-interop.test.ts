// berth and real peers on one loopback registry: a private dockerd (20.10)
// pulls and runs what berth pushed, berth pulls and runs what dockerd pushed,
// and skopeo reports the same digests. Also a docker.io mirror from berthd's
// config: `berth pull busybox` is served by the mirror with no other network.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxTar, startPrivateDockerd, type PrivateDockerd } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { busyboxOciLayout, skopeo, startRegistry, type Registry } from './registry-support.ts';

describe('berth and dockerd exchange images through a registry', () => {
  let d: Daemon;
  let docker: PrivateDockerd;
  let reg: Registry;

  before(async () => {
    reg = await startRegistry();
    d = await startDaemon();
    docker = await startPrivateDockerd();
    await ensureBusybox(d);
  });

  after(async () => {
    await docker?.stop();
    await d?.stop();
    await reg?.stop();
  });

  test('dockerd pulls and runs what berth pushed, with the digest berth printed', { timeout: 120_000 }, async () => {
    const ref = `${reg.host}/interop/from-berth:1`;
    await d.berth(['tag', 'busybox', ref]);
    const push = await d.berth(['push', ref]);
    assert.equal(push.code, 0, push.stderr);
    const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    assert.ok(digest, push.stdout);
    const pull = await docker.docker(['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
    const run = await docker.docker(['run', '--rm', '--network', 'none', ref, 'echo', 'berth made me']);
    assert.equal(run.stdout, 'berth made me\n', run.stderr);
    const sk = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${ref}`]).stdout) as { Digest: string };
    assert.equal(sk.Digest, digest);
  });

  test('berth pulls and runs what dockerd pushed, with the digest dockerd printed', { timeout: 120_000 }, async () => {
    const ref = `${reg.host}/interop/from-docker:2`;
    const imp = await docker.docker(['import', '-c', 'CMD ["sh"]', '-', ref], { input: busyboxTar() });
    assert.equal(imp.code, 0, imp.stderr);
    const push = await docker.docker(['push', ref]);
    assert.equal(push.code, 0, push.stderr);
    const digest = /2: digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    assert.ok(digest, push.stdout);
    const pull = await d.berth(['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
    const dockerId = (await docker.docker(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
    const berthImage = await d.json<{ Id: string; RepoDigests: string[] }>('GET', `/images/${ref}/json`);
    assert.equal(berthImage.body.Id, dockerId);
    assert.deepEqual(berthImage.body.RepoDigests, [`${reg.host}/interop/from-docker@${digest}`]);
    const run = await d.berth(['run', '--rm', '--network', 'none', ref, 'echo', 'docker made me']);
    assert.equal(run.stdout, 'docker made me\n', run.stderr);
    const sk = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${ref}`]).stdout) as { Digest: string };
    assert.equal(sk.Digest, digest);
  });

  test('skopeo copies what berth pushed to another repository with the same digest', { timeout: 60_000 }, async () => {
    const src = `${reg.host}/interop/from-berth:1`;
    const dst = `${reg.host}/interop/copied:1`;
    const c = skopeo(['copy', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${src}`, `docker://${dst}`]);
    assert.equal(c.code, 0, c.stderr);
    const pull = await d.berth(['pull', dst]);
    assert.equal(pull.code, 0, pull.stderr);
    const a = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${src}`]).stdout) as { Digest: string };
    assert.match(pull.stdout, new RegExp(`Digest: ${a.Digest}`));
  });
});

describe('a docker.io mirror from berthd\'s config', () => {
  let d: Daemon;
  let mirror: Registry;
  let etc: string;
  let digest: string;

  before(async () => {
    mirror = await startRegistry();
    const img = busyboxOciLayout('mirrored');
    const c = skopeo(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${mirror.host}/library/busybox:latest`]);
    img.cleanup();
    assert.equal(c.code, 0, c.stderr);
    digest = img.manifestDigest;
    etc = mkdtempSync('/tmp/berth-mirror-etc-');
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'daemon.json'), JSON.stringify({ 'registry-mirrors': [`http://${mirror.host}`] }));
    d = await startDaemon({ args: ['--config-file', join(etc, 'daemon.json')] });
  });

  after(async () => {
    await d?.stop();
    await mirror?.stop();
    if (etc) rmSync(etc, { recursive: true, force: true });
  });

  test('berth pull busybox is served by the mirror', { timeout: 60_000 }, async () => {
    const r = await d.berth(['pull', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^latest: Pulling from library\/busybox\n/);
    assert.match(r.stdout, new RegExp(`Digest: ${digest}\nStatus: Downloaded newer image for busybox:latest\ndocker.io/library/busybox:latest\n$`));
    const inspect = await d.json<{ RepoTags: string[]; RepoDigests: string[] }>('GET', '/images/busybox/json');
    assert.deepEqual(inspect.body.RepoTags, ['busybox:latest']);
    assert.deepEqual(inspect.body.RepoDigests, [`busybox@${digest}`]);
  });
});
