// `berth -H … compose`, `berth --context … compose`, DOCKER_CONTEXT and the
// docker config's current context: compose (and the berth commands it runs for
// exec/run) talk to the daemon the CLI was given, as the docker CLI chooses it.
// DOCKER_HOST points at a socket where nothing listens whenever the flag under
// test must win over it, so a wrong choice fails instead of finding a daemon.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berthBin, repoRoot, run, type RunResult } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

let d: Daemon;
let dir = '';
let file = '';
let config = '';
const nowhere = 'unix:///tmp/berth-compose-host-nothing-listens.sock';

/** berth with a clean environment: no daemon autostart, our own docker config, DOCKER_HOST as given. */
function berth(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const base: NodeJS.ProcessEnv = { ...process.env, BERTH_NO_AUTOSTART: '1', DOCKER_CONFIG: config };
  delete base['DOCKER_HOST'];
  delete base['DOCKER_CONTEXT'];
  return run(berthBin, args, { env: { ...base, ...env }, timeoutMs: 120_000 });
}

function ok(r: RunResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  d = await startDaemon();
  await ensureBusybox(d);
  dir = mkdtempSync('/tmp/berth-compose-host-');
  config = join(dir, 'docker-config');
  file = join(dir, 'compose.yaml');
  writeFileSync(file, 'name: hostsel\nservices:\n  app:\n    image: busybox\n    command: ["sleep", "300"]\n');
  // A context as `docker context create hostsel --docker host=…` makes it (the real docker CLI writes the store).
  const made = await run('docker', ['context', 'create', 'hostsel', '--docker', `host=unix://${d.socket}`], { env: { ...process.env, DOCKER_CONFIG: config } });
  assert.equal(made.code, 0, made.stderr);
});

after(async () => {
  if (d) {
    await d.berth(['compose', '-f', file, 'down', '-t', '0']).catch(() => undefined);
    await d.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('berth -H unix://… compose up/ps/exec/run use that daemon, not DOCKER_HOST', async () => {
  const H = ['-H', `unix://${d.socket}`];
  ok(await berth([...H, 'compose', '-f', file, 'up', '-d'], { DOCKER_HOST: nowhere }), 'compose up');
  const names = ok(await d.berth(['ps', '--format', '{{.Names}}']), 'ps').trim();
  assert.equal(names, 'hostsel-app-1');
  assert.equal(ok(await berth([`--host=unix://${d.socket}`, 'compose', '-f', file, 'ps', '--format', '{{.Name}}'], { DOCKER_HOST: nowhere }), 'compose ps').trim(), 'hostsel-app-1');
  // exec and run go through berth's own commands: they must get the host too.
  assert.equal(ok(await berth([...H, 'compose', '-f', file, 'exec', '-T', 'app', 'hostname'], { DOCKER_HOST: nowhere }), 'compose exec').trim(), ok(await d.berth(['inspect', '-f', '{{.Config.Hostname}}', 'hostsel-app-1']), 'inspect').trim());
  assert.equal(ok(await berth([...H, 'compose', '-f', file, 'run', '--rm', '-T', 'app', 'echo', 'one-off'], { DOCKER_HOST: nowhere }), 'compose run').trim(), 'one-off');
  // Without -H the same command finds no daemon at DOCKER_HOST.
  const lost = await berth(['compose', '-f', file, 'ps'], { DOCKER_HOST: nowhere });
  assert.notEqual(lost.code, 0);
  assert.match(lost.stderr, /Cannot connect to the Docker daemon at unix:\/\/\/tmp\/berth-compose-host-nothing-listens\.sock/);
});

test('--context, DOCKER_CONTEXT and the current context of the docker config choose the daemon', async () => {
  const psName = (r: RunResult, what: string) => ok(r, what).trim();
  assert.equal(psName(await berth(['--context', 'hostsel', 'compose', '-f', file, 'ps', '--format', '{{.Name}}'], { DOCKER_HOST: nowhere }), 'berth --context compose ps'), 'hostsel-app-1');
  assert.equal(psName(await berth(['-c', 'hostsel', 'ps', '--format', '{{.Names}}'], { DOCKER_HOST: nowhere }), 'berth -c ps'), 'hostsel-app-1');
  assert.equal(psName(await berth(['compose', '--context', 'hostsel', '-f', file, 'ps', '--format', '{{.Name}}'], { DOCKER_HOST: nowhere }), 'compose --context ps'), 'hostsel-app-1');
  assert.equal(psName(await berth(['compose', '-f', file, 'ps', '--format', '{{.Name}}'], { DOCKER_CONTEXT: 'hostsel' }), 'DOCKER_CONTEXT compose ps'), 'hostsel-app-1');
  const bundle = join(repoRoot, 'dist', 'berth-compose.cjs');
  const standalone = await run(process.execPath, [bundle, '-f', file, 'ps', '--format', '{{.Name}}'], { env: { ...process.env, DOCKER_HOST: '', BERTH_NO_AUTOSTART: '1', DOCKER_CONFIG: config, DOCKER_CONTEXT: 'hostsel' } });
  assert.equal(psName(standalone, 'berth-compose ps'), 'hostsel-app-1');
  // `docker context use hostsel` makes it the current context.
  ok(await run('docker', ['context', 'use', 'hostsel'], { env: { ...process.env, DOCKER_CONFIG: config } }), 'docker context use');
  assert.equal(psName(await berth(['compose', '-f', file, 'ps', '--format', '{{.Name}}']), 'current context compose ps'), 'hostsel-app-1');
  // DOCKER_HOST wins over the current context, as in docker.
  assert.notEqual((await berth(['compose', '-f', file, 'ps'], { DOCKER_HOST: nowhere })).code, 0);
  ok(await run('docker', ['context', 'use', 'default'], { env: { ...process.env, DOCKER_CONFIG: config } }), 'docker context use default');
});

test('the berth-compose program runs exec and run through the berth command line it carries, on its -H daemon', async () => {
  const bundle = join(repoRoot, 'dist', 'berth-compose.cjs');
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: nowhere, BERTH_NO_AUTOSTART: '1', DOCKER_CONFIG: config };
  delete env['DOCKER_CONTEXT'];
  const H = ['-H', `unix://${d.socket}`];
  ok(await run(process.execPath, [bundle, ...H, '-f', file, 'up', '-d'], { env, timeoutMs: 120_000 }), 'berth-compose up');
  assert.equal(ok(await run(process.execPath, [bundle, ...H, '-f', file, 'exec', '-T', 'app', 'echo', 'from-exec'], { env, timeoutMs: 120_000 }), 'berth-compose exec').trim(), 'from-exec');
  assert.equal(ok(await run(process.execPath, [bundle, ...H, '-f', file, 'run', '--rm', '-T', 'app', 'echo', 'from-run'], { env, timeoutMs: 120_000 }), 'berth-compose run').trim(), 'from-run');
  const failed = await run(process.execPath, [bundle, ...H, '-f', file, 'exec', '-T', 'app', 'sh', '-c', 'exit 3'], { env, timeoutMs: 120_000 });
  assert.equal(failed.code, 3, failed.stderr);
});

test('an unknown context and -H with --context are refused as docker refuses them', async () => {
  const unknown = await berth(['--context', 'nosuch', 'compose', '-f', file, 'ps']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /context "nosuch": context not found/);
  const both = await berth(['-H', `unix://${d.socket}`, '--context', 'hostsel', 'compose', '-f', file, 'ps']);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /conflicting options: cannot specify both --host and --context/);
  const plain = await berth(['-H', `unix://${d.socket}`, '--context', 'hostsel', 'ps']);
  assert.match(plain.stderr, /conflicting options: cannot specify both --host and --context/);
});
