// berth and a private dockerd exchange images through registries that want
// credentials: TLS (a CA made by the test) with htpasswd basic auth, and Bearer
// tokens from the test's token server. In each mode dockerd pulls and runs what
// berth pushed, berth pulls and runs what dockerd pushed, and skopeo agrees on
// the digests and copies with them. The private dockerd trusts the test CA
// through /etc/docker/certs.d/<host>/ca.crt for the test's random port only
// (removed afterwards; dockerd has no certs-dir flag), and the docker CLI keeps
// its login in a DOCKER_CONFIG of the test's own. (dockerd counts loopback
// registries as insecure, so it speaks TLS to this one without verifying it.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxTar, run, startPrivateDockerd, type PrivateDockerd } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { htpasswdLine, makePki, startRegistry, startTokenServer, type Registry, type TestPki, type TokenServer } from './registry-support.ts';

/** skopeo, run without blocking: the token server answers from this very process. */
const skopeo = (args: readonly string[]) => run('skopeo', args, { timeoutMs: 60_000 });

interface Side {
  d: Daemon;
  docker: PrivateDockerd;
  reg: Registry;
  /** env for berth (its DOCKER_CONFIG) and for the docker CLI (its own DOCKER_CONFIG). */
  berthEnv: NodeJS.ProcessEnv;
  dockerEnv: NodeJS.ProcessEnv;
  /** skopeo flags for credentials and TLS. */
  skopeoFlags: string[];
}

/** The exchange both ways, plus skopeo; `user`/`password` log both clients in. */
function exchangeTests(side: () => Side, user: string, password: string): void {
  test('both clients log in to the registry', { timeout: 60_000 }, async () => {
    const s = side();
    const b = await s.d.berth(['login', '-u', user, '--password-stdin', s.reg.host], { env: s.berthEnv, input: password });
    assert.equal(b.code, 0, b.stderr);
    const k = await s.docker.docker(['login', '-u', user, '--password-stdin', s.reg.host], { env: s.dockerEnv, input: password });
    assert.equal(k.code, 0, k.stderr);
    assert.match(k.stdout, /Login Succeeded/);
  });

  test('dockerd pulls and runs what berth pushed, with the digest berth printed', { timeout: 120_000 }, async () => {
    const s = side();
    const ref = `${s.reg.host}/interop/from-berth:1`;
    await s.d.berth(['tag', 'busybox', ref]);
    const push = await s.d.berth(['push', ref], { env: s.berthEnv });
    assert.equal(push.code, 0, push.stderr);
    const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    assert.ok(digest, push.stdout);
    const pull = await s.docker.docker(['pull', ref], { env: s.dockerEnv });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
    const run = await s.docker.docker(['run', '--rm', '--network', 'none', ref, 'echo', 'berth made me'], { env: s.dockerEnv });
    assert.equal(run.stdout, 'berth made me\n', run.stderr);
    const sk = await skopeo(['inspect', ...s.skopeoFlags, `docker://${ref}`]);
    assert.equal(sk.code, 0, sk.stderr);
    assert.equal((JSON.parse(sk.stdout) as { Digest: string }).Digest, digest);
  });

  test('berth pulls and runs what dockerd pushed, with the digest dockerd printed', { timeout: 120_000 }, async () => {
    const s = side();
    const ref = `${s.reg.host}/interop/from-docker:2`;
    const imp = await s.docker.docker(['import', '-c', 'CMD ["sh"]', '-', ref], { input: busyboxTar(), env: s.dockerEnv });
    assert.equal(imp.code, 0, imp.stderr);
    const push = await s.docker.docker(['push', ref], { env: s.dockerEnv });
    assert.equal(push.code, 0, push.stderr);
    const digest = /2: digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    assert.ok(digest, push.stdout);
    const pull = await s.d.berth(['pull', ref], { env: s.berthEnv });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
    const dockerId = (await s.docker.docker(['image', 'inspect', '--format', '{{.Id}}', ref], { env: s.dockerEnv })).stdout.trim();
    const berthImage = await s.d.json<{ Id: string; RepoDigests: string[] }>('GET', `/images/${ref}/json`);
    assert.equal(berthImage.body.Id, dockerId);
    assert.deepEqual(berthImage.body.RepoDigests, [`${s.reg.host}/interop/from-docker@${digest}`]);
    const run = await s.d.berth(['run', '--rm', '--network', 'none', ref, 'echo', 'docker made me']);
    assert.equal(run.stdout, 'docker made me\n', run.stderr);
  });

  test('skopeo copies what berth pushed with the same digest, and berth pulls the copy', { timeout: 60_000 }, async () => {
    const s = side();
    const src = `${s.reg.host}/interop/from-berth:1`;
    const dst = `${s.reg.host}/interop/copied:1`;
    const c = await skopeo(['copy', '--preserve-digests', ...s.skopeoFlags.map((f) => f.replace(/^--/, '--src-')), ...s.skopeoFlags.map((f) => f.replace(/^--/, '--dest-')), `docker://${src}`, `docker://${dst}`]);
    assert.equal(c.code, 0, c.stderr);
    const a = JSON.parse((await skopeo(['inspect', ...s.skopeoFlags, `docker://${src}`])).stdout) as { Digest: string };
    const pull = await s.d.berth(['pull', dst], { env: s.berthEnv });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${a.Digest}`));
  });
}

describe('berth and dockerd exchange images through a TLS registry with htpasswd basic auth', () => {
  let s: Side;
  let pki: TestPki;
  let home: string;
  let certsDir: string | undefined;
  let madeCertsRoot = false;

  before(async () => {
    pki = makePki();
    const reg = await startRegistry({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caPem }, htpasswd: htpasswdLine('carol', 'pa55word') });
    home = mkdtempSync('/tmp/berth-interop-tls-');
    mkdirSync(join(home, 'etc', 'certs.d', reg.host), { recursive: true });
    writeFileSync(join(home, 'etc', 'certs.d', reg.host, 'ca.crt'), pki.caPem);
    writeFileSync(join(home, 'etc', 'daemon.json'), '{}\n');
    // dockerd's trust for this registry: only the directory of the test's own port.
    madeCertsRoot = !existsSync('/etc/docker/certs.d');
    certsDir = join('/etc/docker/certs.d', reg.host);
    mkdirSync(certsDir, { recursive: true });
    writeFileSync(join(certsDir, 'ca.crt'), pki.caPem);
    const d = await startDaemon({ args: ['--config-file', join(home, 'etc', 'daemon.json')] });
    const docker = await startPrivateDockerd();
    s = {
      d,
      docker,
      reg,
      berthEnv: { DOCKER_CONFIG: join(home, 'berth-config') },
      dockerEnv: { DOCKER_CONFIG: join(home, 'docker-config') },
      skopeoFlags: ['--creds', 'carol:pa55word', '--cert-dir', join(home, 'etc', 'certs.d', reg.host)],
    };
    await ensureBusybox(d);
  });

  after(async () => {
    await s?.docker.stop();
    await s?.d.stop();
    await s?.reg.stop();
    pki?.cleanup();
    if (certsDir) rmSync(certsDir, { recursive: true, force: true });
    if (madeCertsRoot && existsSync('/etc/docker/certs.d') && readdirSync('/etc/docker/certs.d').length === 0) rmSync('/etc/docker/certs.d', { recursive: true, force: true });
    if (home) rmSync(home, { recursive: true, force: true });
  });

  exchangeTests(() => s, 'carol', 'pa55word');
});

describe('berth and dockerd exchange images through a registry with Bearer tokens', () => {
  let s: Side;
  let tokens: TokenServer;
  let home: string;

  before(async () => {
    tokens = await startTokenServer({ dave: 't0ken-pass' });
    const reg = await startRegistry({ token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certPem } });
    home = mkdtempSync('/tmp/berth-interop-token-');
    const d = await startDaemon();
    const docker = await startPrivateDockerd();
    s = {
      d,
      docker,
      reg,
      berthEnv: { DOCKER_CONFIG: join(home, 'berth-config') },
      dockerEnv: { DOCKER_CONFIG: join(home, 'docker-config') },
      skopeoFlags: ['--creds', 'dave:t0ken-pass', '--tls-verify=false'],
    };
    await ensureBusybox(d);
  });

  after(async () => {
    await s?.docker.stop();
    await s?.d.stop();
    await s?.reg.stop();
    await tokens?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  exchangeTests(() => s, 'dave', 't0ken-pass');

  test('the token server saw both clients push as the logged-in user', () => {
    const pushes = tokens.requests.filter((r) => r.account === 'dave' && r.scopes.some((sc) => sc.endsWith(':pull,push') || sc.endsWith(':push,pull')));
    assert.ok(pushes.some((r) => r.scopes.includes('repository:interop/from-berth:pull,push')), JSON.stringify(tokens.requests));
    assert.ok(pushes.some((r) => r.scopes.some((sc) => sc.startsWith('repository:interop/from-docker:'))), JSON.stringify(tokens.requests));
  });
});
