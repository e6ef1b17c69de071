// berth compose's lifecycle commands against a private berthd: run (one-off,
// --rm, env), stop/start/restart/kill, rm -f -s, exec --index, images, top,
// --scale, --remove-orphans, and up --no-recreate / --force-recreate.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let dir: string;
let file: string;

async function compose(args: readonly string[], expectCode = 0): Promise<string> {
  const r = await d.berth(['compose', '-f', file, ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, expectCode, `berth compose ${args.join(' ')} exited ${r.code}: ${r.stderr}\n${d.logTail()}`);
  return r.stdout;
}

const states = async () => (await compose(['ps', '-a', '--format', '{{.Name}}={{.State}}'])).trim().split('\n').filter(Boolean);

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  dir = mkdtempSync('/tmp/berth-compose-life-');
  file = join(dir, 'compose.yaml');
  writeFileSync(file, `name: lc
services:
  svc:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.2; done"]
    environment: {ROLE: worker}
  extra:
    image: busybox
    command: ["sleep", "300"]
`);
});

after(async () => {
  if (d) {
    await d.berth(['compose', '-f', file, 'down', '--remove-orphans', '-t', '0']).catch(() => undefined);
    await d.stop();
  }
  rmSync(dir, { recursive: true, force: true });
});

test('--scale sets the replica count and exec --index picks a replica', async () => {
  await compose(['up', '-d', '--scale', 'svc=2']);
  assert.deepEqual(await states(), ['lc-extra-1=running', 'lc-svc-1=running', 'lc-svc-2=running']);
  const host2 = (await compose(['exec', '-T', '--index', '2', 'svc', 'hostname'])).trim();
  const id2 = (await d.berth(['inspect', '-f', '{{.Id}}', 'lc-svc-2'])).stdout.trim();
  assert.ok(id2.startsWith(host2), `${host2} vs ${id2}`);
  await compose(['up', '-d']);
  assert.deepEqual(await states(), ['lc-extra-1=running', 'lc-svc-1=running']);
});

test('stop, start, restart and kill act on the project containers', async () => {
  await compose(['stop', '-t', '1', 'svc']);
  assert.deepEqual(await states(), ['lc-extra-1=running', 'lc-svc-1=exited']);
  await compose(['start', 'svc']);
  assert.deepEqual(await states(), ['lc-extra-1=running', 'lc-svc-1=running']);
  await compose(['restart', '-t', '1']);
  assert.deepEqual(await states(), ['lc-extra-1=running', 'lc-svc-1=running']);
  await compose(['kill', 'extra']);
  assert.deepEqual(await states(), ['lc-extra-1=exited', 'lc-svc-1=running']);
  // Compose (v5.6 checked) kills the running containers only: a stopped one is not an error.
  const again = await d.berth(['compose', '-f', file, 'kill', 'extra']);
  assert.deepEqual([again.code, again.stderr], [0, 'No container to kill\n']);
  await compose(['kill']);
  assert.deepEqual(await states(), ['lc-extra-1=exited', 'lc-svc-1=exited']);
  await compose(['start', 'svc']);
  const top = await compose(['top', 'svc']);
  assert.match(top, /^lc-svc-1\n/);
  const images = await compose(['images']);
  assert.match(images, /^CONTAINER\s+REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE\n/);
});

test('run makes a one-off container with the service config, and --rm removes it', async () => {
  const out = await compose(['run', '--rm', '-T', '-e', 'EXTRA=1', 'svc', 'sh', '-c', 'echo $ROLE $EXTRA']);
  assert.equal(out.trim(), 'worker 1');
  const left = await d.berth(['ps', '-a', '--filter', 'label=com.docker.compose.oneoff=True', '-q']);
  assert.equal(left.stdout.trim(), '');
});

test('no-recreate keeps and force-recreate replaces containers', async () => {
  const id = (await compose(['ps', '-q', 'svc'])).trim();
  await compose(['up', '-d', '--no-recreate']);
  assert.equal((await compose(['ps', '-q', 'svc'])).trim(), id);
  await compose(['up', '-d', '--force-recreate', 'svc']);
  assert.notEqual((await compose(['ps', '-q', 'svc'])).trim(), id);
});

test('rm -s -f stops and removes, and orphans are removed on request', async () => {
  await compose(['rm', '-s', '-f', 'extra']);
  assert.deepEqual(await states(), ['lc-svc-1=running']);
  writeFileSync(file, `name: lc
services:
  other:
    image: busybox
    command: ["sleep", "300"]
`);
  await compose(['up', '-d', '--remove-orphans']);
  assert.deepEqual(await states(), ['lc-other-1=running']);
});
