// berth compose features against a private berthd: a published host range
// spread over replicas (the counter demo), depends_on service_healthy, a
// service built from the project's Dockerfile, named volumes (down -v),
// `compose exec`/`port`/`ls`, and attached `up` stopped by SIGINT.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berthBin } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let dir: string;

async function compose(file: string, args: readonly string[]): Promise<string> {
  const r = await d.berth(['compose', '-f', file, ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `berth compose ${args.join(' ')} failed (${r.code}): ${r.stderr}\n${d.logTail()}`);
  return r.stdout;
}

async function get(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  dir = mkdtempSync('/tmp/berth-compose-feat-');
});

after(async () => {
  if (d) await d.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a published host range gives each replica its own port', async () => {
  const p = join(dir, 'counter');
  mkdirSync(p);
  const file = join(p, 'compose.yaml');
  writeFileSync(file, `name: counter
services:
  app:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && httpd -f -p 5440 -h /www"]
    ports: ["127.0.0.1:15400-15402:5440"]
    deploy: {replicas: 3}
`);
  try {
    await compose(file, ['up', '-d']);
    let answers: string[] = [];
    for (let i = 0; i < 50; i++) {
      answers = await Promise.all([15400, 15401, 15402].map((port) => get(`http://127.0.0.1:${port}/`).catch(() => '')));
      if (answers.every((a) => a !== '')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(new Set(answers.map((a) => a.trim())).size, 3, `answers: ${JSON.stringify(answers)}`);
    assert.equal((await compose(file, ['port', '--index', '2', 'app', '5440'])).trim(), '127.0.0.1:15401');
    assert.match(await compose(file, ['ls']), /^NAME\s+STATUS\s+CONFIG FILES\ncounter\s+running\(3\)/);
  } finally {
    await compose(file, ['down', '-t', '1']);
  }
});

test('service_healthy waits for the dependency health check, and builds and named volumes work', async () => {
  const p = join(dir, 'healthy');
  mkdirSync(p);
  writeFileSync(join(p, 'Dockerfile'), 'FROM busybox\nARG WHO=nobody\nRUN echo "built for $WHO" > /built.txt\n');
  const file = join(p, 'compose.yaml');
  writeFileSync(file, `services:
  db:
    image: busybox
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; sleep 300"]
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 500ms, retries: 20}
    volumes: [data:/data]
  app:
    build: {context: ., args: {WHO: compose}}
    command: ["sh", "-c", "cat /built.txt; sleep 300"]
    depends_on:
      db: {condition: service_healthy}
volumes:
  data: {}
`);
  try {
    await compose(file, ['up', '-d']);
    const health = await d.berth(['inspect', '-f', '{{.State.Health.Status}}', 'healthy-db-1']);
    assert.equal(health.stdout.trim(), 'healthy');
    const out = await d.berth(['exec', 'healthy-app-1', 'cat', '/built.txt']);
    assert.equal(out.stdout.trim(), 'built for compose');
    const ex = await compose(file, ['exec', '-T', 'db', 'sh', '-c', 'echo via-compose-exec > /data/x; cat /data/x']);
    assert.equal(ex.trim(), 'via-compose-exec');
    const vols = await d.berth(['volume', 'ls', '--format', '{{.Name}}']);
    assert.ok(vols.stdout.split('\n').includes('healthy_data'), vols.stdout);
  } finally {
    await compose(file, ['down', '-v', '--rmi', 'local', '-t', '1']);
  }
  const vols = await d.berth(['volume', 'ls', '--format', '{{.Name}}']);
  assert.ok(!vols.stdout.split('\n').includes('healthy_data'), vols.stdout);
  const img = await d.berth(['image', 'inspect', 'healthy-app']);
  assert.notEqual(img.code, 0);
});

test('attached up prints prefixed output and ctrl-c stops the project', async () => {
  const p = join(dir, 'attached');
  mkdirSync(p);
  const file = join(p, 'compose.yaml');
  writeFileSync(file, `services:
  talker:
    image: busybox
    command: ["sh", "-c", "echo hello-attached; trap 'exit 0' TERM; while :; do sleep 0.2; done"]
`);
  const child = spawn(berthBin, ['compose', '-f', file, 'up'], { env: d.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    for (let i = 0; i < 100 && !stdout.includes('hello-attached'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(stdout, /talker-1 +\| hello-attached/);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    const ps = await compose(file, ['ps', '-a', '--format', '{{.State}}']);
    assert.equal(ps.trim(), 'exited');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await compose(file, ['down', '-t', '1']);
  }
});
