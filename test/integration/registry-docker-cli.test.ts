// The real docker CLI (v28) against berthd for registry commands: pull, push
// and login go through berth's API and print what docker prints. Also berth's
// own CLI with a credential helper (credsStore) instead of plain-text auths.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';
import { busyboxOciLayout, htpasswdLine, skopeo, startRegistry, type Registry } from './registry-support.ts';

let d: Daemon;
let reg: Registry;
let authReg: Registry;
let home: string;

before(async () => {
  reg = await startRegistry();
  authReg = await startRegistry({ htpasswd: htpasswdLine('carol', 'pw') });
  d = await startDaemon();
  home = mkdtempSync('/tmp/berth-dockercli-');
  await ensureBusybox(d);
});

after(async () => {
  await d?.stop();
  await reg?.stop();
  await authReg?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('docker pull through berthd prints docker\'s lines and the full reference', { timeout: 60_000 }, async () => {
  const img = busyboxOciLayout('dockercli');
  const c = skopeo(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${img.dir}:latest`, `docker://${reg.host}/dockercli:latest`]);
  img.cleanup();
  assert.equal(c.code, 0, c.stderr);
  const r = await d.docker(['pull', `${reg.host}/dockercli`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Using default tag: latest\nlatest: Pulling from dockercli\n/);
  assert.match(r.stdout, new RegExp(`Digest: ${img.manifestDigest}\nStatus: Downloaded newer image for ${reg.host}/dockercli:latest\n${reg.host}/dockercli:latest\n$`));
  const missing = await d.docker(['pull', `${reg.host}/dockercli:nope`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), `Error response from daemon: manifest for ${reg.host}/dockercli:nope not found: manifest unknown: manifest unknown`);
});

test('docker push through berthd prints the digest line', { timeout: 60_000 }, async () => {
  await d.docker(['tag', 'busybox', `${reg.host}/viadocker:1`]);
  const r = await d.docker(['push', `${reg.host}/viadocker:1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^The push refers to repository \[127\.0\.0\.1:\d+\/viadocker\]\n/);
  assert.match(r.stdout, /\n1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
});

test('docker login through berthd checks the password with POST /auth', { timeout: 60_000 }, async () => {
  const env = { DOCKER_CONFIG: join(home, 'docker') };
  const bad = await d.docker(['login', '-u', 'carol', '--password-stdin', authReg.host], { env, input: 'wrong' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /401 Unauthorized/);
  const ok = await d.docker(['login', '-u', 'carol', '--password-stdin', authReg.host], { env, input: 'pw' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Login Succeeded/);
  await d.docker(['tag', 'busybox', `${authReg.host}/c/bb`]);
  const push = await d.docker(['push', `${authReg.host}/c/bb`], { env });
  assert.equal(push.code, 0, push.stderr);
});

test('berth login with a credsStore helper keeps the secret out of config.json, and pull uses it', { timeout: 60_000 }, async () => {
  const store = join(home, 'helper-store.json');
  // A tiny docker-credential helper: get/store/erase against a JSON file.
  writeFileSync(
    join(home, 'docker-credential-berthtest'),
    `#!/usr/bin/env python3
import json, sys, os
path = ${JSON.stringify(store)}
db = json.load(open(path)) if os.path.exists(path) else {}
action = sys.argv[1]
data = sys.stdin.read()
if action == 'store':
    c = json.loads(data); db[c['ServerURL']] = {'Username': c['Username'], 'Secret': c['Secret']}
elif action == 'get':
    if data.strip() not in db:
        print('credentials not found in native keychain'); sys.exit(1)
    print(json.dumps(db[data.strip()]))
elif action == 'erase':
    db.pop(data.strip(), None)
json.dump(db, open(path, 'w'))
`,
  );
  chmodSync(join(home, 'docker-credential-berthtest'), 0o755);
  const cfgDir = join(home, 'helper-docker');
  const env = { DOCKER_CONFIG: cfgDir, PATH: `${home}:${process.env['PATH'] ?? ''}` };
  mkdirSync(cfgDir, { recursive: true });
  writeFileSync(join(cfgDir, 'config.json'), JSON.stringify({ credsStore: 'berthtest' }));
  const login = await d.berth(['login', '-u', 'carol', '--password-stdin', authReg.host], { env, input: 'pw\n' });
  assert.equal(login.code, 0, login.stderr);
  assert.doesNotMatch(login.stderr, /unencrypted/);
  const cfg = readFileSync(join(cfgDir, 'config.json'), 'utf8');
  assert.doesNotMatch(cfg, /pw|Y2Fyb2w6cHc=/);
  assert.deepEqual((JSON.parse(readFileSync(store, 'utf8')) as Record<string, unknown>)[authReg.host], { Username: 'carol', Secret: 'pw' });
  await d.berth(['rmi', `${authReg.host}/c/bb`]);
  const pull = await d.berth(['pull', `${authReg.host}/c/bb`], { env });
  assert.equal(pull.code, 0, pull.stderr);
  const logout = await d.berth(['logout', authReg.host], { env });
  assert.equal(logout.stdout, `Removing login credentials for ${authReg.host}\n`);
  assert.equal((JSON.parse(readFileSync(store, 'utf8')) as Record<string, unknown>)[authReg.host], undefined);
});
