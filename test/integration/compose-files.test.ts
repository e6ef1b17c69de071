// berth compose with configs, secrets, extends and include against a private
// berthd: file-based configs/secrets appear read-only at /<name> and
// /run/secrets/<name>, environment- and content-based ones are copied in
// before the start (mode 0444 or the grant's), a service built on another by
// `extends` from another file runs with the merged settings, and a service
// pulled in by `include` runs in the project and is reachable by name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let root = '';
let file = '';

const composeYaml = `name: files
include:
  - ../shared/compose.yaml
services:
  app:
    extends: {file: ../shared/base.yaml, service: sleeper}
    environment: {ROLE: app}
    configs:
      - site
      - source: greeting
        target: /etc/greeting.txt
        mode: 0440
    secrets:
      - db_password
      - source: api_token
        target: token
        uid: "1000"
configs:
  site: {file: ./site.conf}
  greeting:
    content: "hello \${WHO}"
secrets:
  db_password: {file: ./db_password.txt}
  api_token: {environment: API_TOKEN}
`;

async function compose(args: readonly string[]): Promise<string> {
  const r = await d.berth(['compose', '-f', file, ...args], { timeoutMs: 120_000, env: { WHO: 'berth', API_TOKEN: 's3cr3t' } });
  assert.equal(r.code, 0, `berth compose ${args.join(' ')} failed (${r.code}): ${r.stderr}\n${d.logTail()}`);
  return r.stdout;
}

async function inApp(cmd: string): Promise<{ code: number; out: string }> {
  const r = await d.berth(['exec', 'files-app-1', 'sh', '-c', cmd]);
  return { code: r.code, out: r.stdout + r.stderr };
}

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  root = mkdtempSync('/tmp/berth-compose-files-');
  mkdirSync(join(root, 'app'));
  mkdirSync(join(root, 'shared'));
  file = join(root, 'app', 'compose.yaml');
  writeFileSync(file, composeYaml);
  writeFileSync(join(root, 'app', 'site.conf'), 'listen=8080\n');
  writeFileSync(join(root, 'app', 'db_password.txt'), 'hunter2\n');
  writeFileSync(join(root, 'shared', 'base.yaml'), 'services:\n  sleeper:\n    image: busybox\n    command: ["sleep", "300"]\n    environment: {ROLE: base, FROM_BASE: "1"}\n    volumes: ["./motd:/etc/motd:ro"]\n');
  writeFileSync(join(root, 'shared', 'motd'), 'from the shared folder\n');
  writeFileSync(join(root, 'shared', 'compose.yaml'), 'services:\n  helper:\n    image: busybox\n    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]\n    volumes: ["./www:/www:ro"]\n');
  mkdirSync(join(root, 'shared', 'www'));
  writeFileSync(join(root, 'shared', 'www', 'index.html'), 'helper from the include\n');
  await compose(['up', '-d']);
});

after(async () => {
  if (d) {
    await d.berth(['compose', '-f', file, 'down', '-t', '0']).catch(() => undefined);
    await d.stop();
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

test('file-based configs and secrets are mounted read-only at /<name> and /run/secrets/<name>', async () => {
  assert.equal((await inApp('cat /site')).out, 'listen=8080\n');
  assert.equal((await inApp('cat /run/secrets/db_password')).out, 'hunter2\n');
  const write = await inApp('echo x > /run/secrets/db_password');
  assert.notEqual(write.code, 0, 'a secret must not be writable');
  assert.match(write.out, /Read-only file system/);
});

test('content and environment configs and secrets are copied in with their mode and target', async () => {
  assert.equal((await inApp('cat /etc/greeting.txt')).out, 'hello berth');
  assert.equal((await inApp('stat -c %a /etc/greeting.txt')).out.trim(), '440');
  assert.equal((await inApp('cat /run/secrets/token')).out, 's3cr3t');
  // As with dockerd (checked by hand): the grant's owner, mode 0444, missing parents made 0755 root.
  assert.equal((await inApp('stat -c "%u %a" /run/secrets/token')).out.trim(), '1000 444');
  assert.equal((await inApp('stat -c "%u %a" /run/secrets')).out.trim(), '0 755');
});

test('extends takes the base service from another file with its own relative paths, and the local settings win', async () => {
  assert.equal((await inApp('echo $ROLE $FROM_BASE')).out.trim(), 'app 1');
  assert.equal((await inApp('cat /etc/motd')).out, 'from the shared folder\n');
  assert.equal((await inApp('cat /proc/1/cmdline | tr "\\0" " "')).out.trim(), 'sleep 300');
});

test('a service from an included file runs in the project and is reached by its name', async () => {
  const names = (await compose(['ps', '--format', '{{.Name}}'])).trim().split('\n').sort();
  assert.deepEqual(names, ['files-app-1', 'files-helper-1']);
  let body = '';
  for (let i = 0; i < 50 && body === ''; i++) {
    const r = await inApp('wget -qO- http://helper:8080/index.html');
    if (r.code === 0) body = r.out;
    else await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal(body, 'helper from the include\n');
});
