// berth compose against a private berthd: a small busybox cluster — 3 web
// replicas serving a bind-mounted directory relative to the project, a one-shot
// init service, a client that waits for init to complete and reaches `web` by
// its service name, and a service whose command exits 127 — then re-running
// `up` (only changed services recreated), logs, ps and a clean `down`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let dir: string;
let file: string;

const composeText = (greeting: string) => `name: ct
services:
  init:
    image: busybox
    command: ["sh", "-c", "echo init done"]
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    volumes: ["./www:/www:ro"]
    deploy: {replicas: 3}
    depends_on: [init]
  client:
    image: busybox
    command: sleep 300
    environment:
      GREETING: ${greeting}
    depends_on:
      init: {condition: service_completed_successfully}
      web: {condition: service_started}
  broken:
    image: busybox
    command: sh -c "echo about to fail; nosuchcmd"
`;

async function compose(args: readonly string[]): Promise<string> {
  const r = await d.berth(['compose', '-f', file, ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `berth compose ${args.join(' ')} failed (${r.code}): ${r.stderr}\n${d.logTail()}`);
  return r.stdout;
}

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  dir = mkdtempSync('/tmp/berth-compose-test-');
  mkdirSync(join(dir, 'www'));
  writeFileSync(join(dir, 'www', 'index.html'), 'hello from the project dir\n');
  file = join(dir, 'compose.yaml');
  writeFileSync(file, composeText('one'));
});

after(async () => {
  if (d) {
    await d.berth(['compose', '-f', file, 'down', '-t', '1']).catch(() => undefined);
    await d.stop();
  }
  rmSync(dir, { recursive: true, force: true });
});

test('up -d starts every service in dependency order with Compose names and labels', async () => {
  await compose(['up', '-d']);
  const names = (await compose(['ps', '--format', '{{.Name}}'])).trim().split('\n');
  assert.deepEqual(names, ['ct-client-1', 'ct-web-1', 'ct-web-2', 'ct-web-3']);
  const all = (await compose(['ps', '-a', '--format', '{{.Name}} {{.Service}} {{.Status}}'])).trim().split('\n');
  assert.ok(all.some((l) => /^ct-broken-1 broken Exited \(127\)/.test(l)), all.join('\n'));
  assert.ok(all.some((l) => /^ct-init-1 init Exited \(0\)/.test(l)), all.join('\n'));
  const labels = await d.berth(['inspect', '-f', '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.container-number"}} {{index .Config.Labels "com.docker.compose.oneoff"}}', 'ct-web-2']);
  assert.equal(labels.stdout.trim(), 'ct 2 False');
  const table = await compose(['ps']);
  assert.match(table.split('\n')[0] ?? '', /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/);
});

test('replicas reach each other by service name and serve the bind mount relative to the project', async () => {
  const r = await d.berth(['exec', 'ct-client-1', 'wget', '-qO-', 'http://web:8080/index.html']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hello from the project dir\n');
  const ping = await d.berth(['exec', 'ct-web-1', 'ping', '-c', '1', '-W', '2', 'ct-web-3']);
  assert.equal(ping.code, 0, ping.stderr);
});

test('logs show why a service exited, with the service prefix', async () => {
  const out = await compose(['logs', '--no-color', 'broken']);
  assert.match(out, /broken-1 +\| about to fail/);
  assert.match(out, /broken-1 +\| .*nosuchcmd: not found/);
});

test('up again recreates only the services whose configuration changed', async () => {
  const before = (await compose(['ps', '-q', 'web'])).trim();
  const clientBefore = (await compose(['ps', '-q', 'client'])).trim();
  writeFileSync(file, composeText('two'));
  await compose(['up', '-d']);
  assert.equal((await compose(['ps', '-q', 'web'])).trim(), before);
  const clientAfter = (await compose(['ps', '-q', 'client'])).trim();
  assert.notEqual(clientAfter, clientBefore);
  const env = await d.berth(['exec', 'ct-client-1', 'sh', '-c', 'echo $GREETING']);
  assert.equal(env.stdout.trim(), 'two');
});

test('down removes every container and the default network', async () => {
  await compose(['down', '-t', '1']);
  const left = await d.berth(['ps', '-a', '--filter', 'label=com.docker.compose.project=ct', '-q']);
  assert.equal(left.stdout.trim(), '');
  const nets = await d.berth(['network', 'ls', '--format', '{{.Name}}']);
  assert.ok(!nets.stdout.split('\n').includes('ct_default'), nets.stdout);
});
