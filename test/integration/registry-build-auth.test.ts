// Builds FROM a private image: the base lives in a registry whose token server
// grants pull of `private/…` to logged-in users only. The client sends its
// stored credentials as X-Registry-Config (berth's CLI, and docker's CLI with
// the classic builder), and berthd pulls the base with them; without them the
// build fails with docker's "pull access denied".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { startRegistry, startTokenServer, type Registry, type TokenServer } from './registry-support.ts';

describe('a build FROM an image that only logged-in users may pull', () => {
  let d: Daemon;
  let reg: Registry;
  let tokens: TokenServer;
  let home: string;
  let ctx: string;
  let base: string;
  const loggedIn = () => ({ DOCKER_CONFIG: join(home, 'config') });
  const anonymous = () => ({ DOCKER_CONFIG: join(home, 'empty') });

  before(async () => {
    tokens = await startTokenServer({ erin: 'b4se-pw' }, { privatePrefix: 'private/' });
    reg = await startRegistry({ token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certPem } });
    home = mkdtempSync('/tmp/berth-build-auth-');
    d = await startDaemon();
    await ensureBusybox(d);
    base = `${reg.host}/private/base:1`;
    const login = await d.berth(['login', '-u', 'erin', '--password-stdin', reg.host], { env: loggedIn(), input: 'b4se-pw' });
    assert.equal(login.code, 0, login.stderr);
    await d.berth(['tag', 'busybox', base]);
    const push = await d.berth(['push', base], { env: loggedIn() });
    assert.equal(push.code, 0, push.stderr);
    assert.equal((await d.berth(['rmi', base])).code, 0);
    ctx = join(home, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${base}\nLABEL built=from-private\n`);
  });

  after(async () => {
    await d?.stop();
    await reg?.stop();
    await tokens?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('an anonymous pull of the base is denied', { timeout: 30_000 }, async () => {
    const r = await d.berth(['pull', base], { env: anonymous() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pull access denied/);
  });

  test('berth build without credentials fails to pull the base', { timeout: 60_000 }, async () => {
    const r = await d.berth(['build', '-t', 'from-private:anon', ctx], { env: anonymous() });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /pull access denied/);
    assert.equal((await d.request('GET', `/images/${base}/json`)).status, 404);
  });

  test('berth build sends the stored credentials and pulls the base with them', { timeout: 90_000 }, async () => {
    const before = tokens.requests.length;
    const r = await d.berth(['build', '-t', 'from-private:ok', ctx], { env: loggedIn() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(tokens.requests.slice(before).some((q) => q.account === 'erin' && q.scopes.includes('repository:private/base:pull')), JSON.stringify(tokens.requests.slice(before)));
    const img = await d.json<{ Config: { Labels: Record<string, string> } }>('GET', '/images/from-private:ok/json');
    assert.equal(img.body.Config.Labels['built'], 'from-private');
    assert.equal((await d.request('GET', `/images/${base}/json`)).status, 200);
  });

  test('docker\'s CLI (classic builder) sends X-Registry-Config that berthd uses', { timeout: 90_000 }, async () => {
    assert.equal((await d.berth(['rmi', base])).code, 0);
    const dockerEnv = { ...d.env, DOCKER_CONFIG: join(home, 'docker-config'), DOCKER_BUILDKIT: '0' };
    const login = await run('docker', ['login', '-u', 'erin', '--password-stdin', reg.host], { env: dockerEnv, input: 'b4se-pw' });
    assert.equal(login.code, 0, login.stderr);
    const r = await run('docker', ['build', '-t', 'from-private:docker', ctx], { env: dockerEnv, timeoutMs: 80_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((await d.request('GET', '/images/from-private:docker/json')).status, 200);
  });
});
