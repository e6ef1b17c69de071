// Registries that want credentials: TLS with a CA made by the test (trusted
// through certs.d/<host>/ca.crt beside berthd's config file) plus htpasswd basic
// auth, and Bearer tokens from a small token server. berth login/logout keep
// credentials in $DOCKER_CONFIG/config.json as docker does; push, rmi and pull
// round-trip an image with them; skopeo agrees on the digest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { htpasswdLine, makePki, skopeo, startRegistry, startTokenServer, type Registry, type TestPki, type TokenServer } from './registry-support.ts';

describe('a TLS registry with htpasswd basic auth', () => {
  let d: Daemon;
  let reg: Registry;
  let pki: TestPki;
  let home: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    pki = makePki();
    reg = await startRegistry({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caPem }, htpasswd: htpasswdLine('alice', 's3cret') });
    home = mkdtempSync('/tmp/berth-auth-');
    mkdirSync(join(home, 'etc', 'certs.d', reg.host), { recursive: true });
    writeFileSync(join(home, 'etc', 'certs.d', reg.host, 'ca.crt'), pki.caPem);
    writeFileSync(join(home, 'etc', 'daemon.json'), '{}\n');
    d = await startDaemon({ args: ['--config-file', join(home, 'etc', 'daemon.json')] });
    env = { DOCKER_CONFIG: join(home, 'docker') };
    await ensureBusybox(d);
  });

  after(async () => {
    await d?.stop();
    await reg?.stop();
    pki?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('a wrong password is refused and nothing is stored', { timeout: 30_000 }, async () => {
    const r = await d.berth(['login', '-u', 'alice', '--password-stdin', reg.host], { env, input: 'wrong\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error response from daemon: login attempt to https:\/\/127\.0\.0\.1:\d+\/v2\/ failed with status: 401 Unauthorized/);
    assert.throws(() => readFileSync(join(home, 'docker', 'config.json')));
  });

  test('pulling without credentials is refused', { timeout: 30_000 }, async () => {
    const r = await d.berth(['pull', `${reg.host}/private/thing`], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pull access denied for 127\.0\.0\.1:\d+\/private\/thing/);
  });

  test('login stores base64 credentials in config.json the way docker does', { timeout: 30_000 }, async () => {
    const r = await d.berth(['login', '-u', 'alice', '--password-stdin', reg.host], { env, input: 's3cret\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Login Succeeded\n');
    assert.match(r.stderr, /WARNING! Your credentials are stored unencrypted/);
    const cfg = JSON.parse(readFileSync(join(home, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(cfg.auths[reg.host]?.auth, Buffer.from('alice:s3cret').toString('base64'));
  });

  test('push, rmi and pull round-trip over TLS with the stored credentials, and skopeo agrees', { timeout: 90_000 }, async () => {
    await d.berth(['tag', 'busybox', `${reg.host}/team/bb:1`]);
    const push = await d.berth(['push', `${reg.host}/team/bb:1`], { env });
    assert.equal(push.code, 0, push.stderr);
    const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    assert.ok(digest, push.stdout);
    const inspected = skopeo(['inspect', '--creds', 'alice:s3cret', '--cert-dir', join(home, 'etc', 'certs.d', reg.host), `docker://${reg.host}/team/bb:1`]);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.equal((JSON.parse(inspected.stdout) as { Digest: string }).Digest, digest);
    assert.equal((await d.berth(['rmi', `${reg.host}/team/bb:1`])).code, 0);
    const pull = await d.berth(['pull', `${reg.host}/team/bb:1`], { env });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
  });

  test('X-Registry-Auth from an API client authenticates a pull', { timeout: 30_000 }, async () => {
    await d.berth(['rmi', `${reg.host}/team/bb:1`]);
    const header = Buffer.from(JSON.stringify({ username: 'alice', password: 's3cret', serveraddress: reg.host })).toString('base64url');
    const r = await d.request('POST', `/images/create?fromImage=${reg.host}/team/bb&tag=1`, undefined, { 'X-Registry-Auth': header });
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /Status: Downloaded newer image/);
  });

  test('POST /auth answers Login Succeeded for good credentials and 401 for bad ones', { timeout: 30_000 }, async () => {
    const ok = await d.json<{ Status: string }>('POST', '/auth', { username: 'alice', password: 's3cret', serveraddress: reg.host });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.Status, 'Login Succeeded');
    const bad = await d.json<{ message: string }>('POST', '/auth', { username: 'alice', password: 'nope', serveraddress: reg.host });
    assert.equal(bad.status, 401);
  });

  test('logout removes the credentials, and a second logout says so', { timeout: 30_000 }, async () => {
    const r = await d.berth(['logout', reg.host], { env });
    assert.equal(r.stdout, `Removing login credentials for ${reg.host}\n`);
    const cfg = JSON.parse(readFileSync(join(home, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, unknown> };
    assert.equal(cfg.auths[reg.host], undefined);
    const again = await d.berth(['logout', reg.host], { env });
    assert.equal(again.stdout, `Not logged in to ${reg.host}\n`);
  });
});

describe('a registry with Bearer tokens from a token server', () => {
  let d: Daemon;
  let reg: Registry;
  let tokens: TokenServer;
  let home: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tokens = await startTokenServer({ bob: 'hunter2' });
    reg = await startRegistry({ token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certPem } });
    home = mkdtempSync('/tmp/berth-token-home-');
    env = { DOCKER_CONFIG: join(home, 'docker') };
    d = await startDaemon();
    await ensureBusybox(d);
  });

  after(async () => {
    await d?.stop();
    await reg?.stop();
    await tokens?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('an anonymous push is denied by the token server\'s grant', { timeout: 30_000 }, async () => {
    await d.berth(['tag', 'busybox', `${reg.host}/tok/bb`]);
    const r = await d.berth(['push', `${reg.host}/tok/bb`], { env });
    assert.equal(r.code, 1);
    assert.ok(tokens.requests.some((q) => !q.authorized && q.scopes.includes('repository:tok/bb:pull,push')));
  });

  test('after login, push, rmi and an anonymous pull round-trip the image with tokens', { timeout: 90_000 }, async () => {
    const login = await d.berth(['login', '-u', 'bob', '--password-stdin', reg.host], { env, input: 'hunter2' });
    assert.equal(login.code, 0, login.stderr);
    const push = await d.berth(['push', `${reg.host}/tok/bb`], { env });
    assert.equal(push.code, 0, push.stderr);
    const digest = /latest: digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    assert.ok(digest);
    assert.ok(tokens.requests.some((q) => q.account === 'bob' && q.scopes.includes('repository:tok/bb:pull,push')));
    assert.equal((await d.berth(['rmi', `${reg.host}/tok/bb`])).code, 0);
    // Anonymous: the token server grants pull to everyone.
    const pull = await d.berth(['pull', `${reg.host}/tok/bb`], { env: { DOCKER_CONFIG: join(home, 'empty') } });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${digest}`));
  });

  test('a token is reused for the requests of one pull instead of fetched for each', { timeout: 60_000 }, async () => {
    assert.equal((await d.berth(['rmi', `${reg.host}/tok/bb`])).code, 0);
    const before = tokens.requests.length;
    const pull = await d.berth(['pull', `${reg.host}/tok/bb`], { env });
    assert.equal(pull.code, 0, pull.stderr);
    // Manifest, config and layer GETs share one token (one per credential and scope).
    assert.ok(tokens.requests.length - before <= 1, `token requests: ${tokens.requests.length - before}`);
  });
});
