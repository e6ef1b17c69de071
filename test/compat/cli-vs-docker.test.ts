// Compatibility: the same commands through the real docker CLI and through
// `berth`, both against a private dockerd started here, must print the same
// thing (with "berth" read as "docker") and exit with the same code.
// Needs root and dockerd; skipped otherwise. Cleans up its daemon and files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, copyFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');
const dockerd = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));
const dockerCli = ['/usr/local/bin/docker', '/usr/bin/docker'].find((p) => existsSync(p));
const skip = process.getuid?.() !== 0 ? 'needs root' : !dockerd || !dockerCli ? 'needs dockerd and the docker CLI' : false;

let dir = '';
let daemon: ChildProcess | undefined;
let env: NodeJS.ProcessEnv = {};

interface Result { readonly code: number; readonly out: string; readonly err: string }

function docker(args: readonly string[], input?: string): Result {
  const r = spawnSync(dockerCli as string, args, { env, encoding: 'utf8', input: input ?? '', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** node arguments that run berth: the bundle when built, else the sources through tsx. */
function berthArgv(args: readonly string[]): string[] {
  const bundle = join(repo, 'dist/berth.cjs');
  return existsSync(bundle) ? [bundle, ...args] : ['--import', 'tsx', join(repo, 'src/cli/main.ts'), ...args];
}

function berth(args: readonly string[], input?: string): Result {
  const r = spawnSync(process.execPath, berthArgv(args), { env: { ...env, BERTH_NO_AUTOSTART: '1' }, encoding: 'utf8', input: input ?? '', timeout: 60_000, cwd: repo });
  const fix = (s: string) => s.replaceAll('berth', 'docker');
  return { code: r.status ?? -1, out: fix(r.stdout), err: fix(r.stderr) };
}

/** Runs both and compares exit code, stdout and stderr after `normalize`. */
function same(args: readonly string[], normalize: (s: string) => string = (s) => s, input?: string): Result {
  const d = docker(args, input);
  const b = berth(args, input);
  assert.equal(b.code, d.code, `exit code of ${args.join(' ')}\n docker: ${d.err}\n berth: ${b.err}`);
  assert.equal(normalize(b.out), normalize(d.out), `stdout of ${args.join(' ')}`);
  assert.equal(normalize(b.err), normalize(d.err), `stderr of ${args.join(' ')}`);
  return d;
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'cli-compat-'));
  const sock = join(dir, 'docker.sock');
  env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'cli') };
  daemon = spawn(dockerd as string, [
    '--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'pid'),
    '-H', `unix://${sock}`, '--bridge=none', '--iptables=false',
  ], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  while (docker(['version']).code !== 0) {
    if (Date.now() > deadline) throw new Error('private dockerd did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  // busybox image from busybox-static, with relative links so it runs anywhere
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'));
  const list = spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((x) => x && x !== 'busybox');
  for (const name of list) await symlink('busybox', join(rootfs, 'bin', name));
  const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 64 << 20 });
  const imp = spawnSync(dockerCli as string, ['import', '-c', 'CMD ["sh"]', '-c', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '-', 'busybox:latest'], { env, input: tar.stdout });
  assert.equal(imp.status, 0, String(imp.stderr));
});

after(async () => {
  if (skip) return;
  if (daemon?.pid) {
    docker(['rm', '-f', ...docker(['ps', '-aq']).out.split('\n').filter(Boolean)]);
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon?.once('exit', r));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

const opts = { skip, concurrency: false } as const;

/** Relative times may tick between the two runs; the padding then differs too. */
const timeless = (s: string) => s.replace(/(Less than a second|\d+ seconds?|About a minute) ago/g, 'AGO').replace(/ {3,}/g, '   ');

test('ps, images and history print the same tables as docker', opts, () => {
  same(['ps']);
  same(['ps', '-a']);
  same(['images'], timeless);
  same(['images', '--digests'], timeless);
  same(['images', '-q']);
  same(['history', 'busybox'], timeless);
  same(['history', '--no-trunc', 'busybox'], timeless);
  same(['history', '-H=false', 'busybox']);
});

test('run prints the container output and exits with its code', opts, () => {
  same(['run', '--rm', 'busybox', 'echo', 'hello']);
  same(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3']);
  same(['run', '--rm', '-e', 'A=1', '-w', '/tmp', '-u', '1:2', '--hostname', 'hh', 'busybox', 'sh', '-c', 'echo $A; pwd; id; hostname']);
  same(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'hi', 'there']);
  same(['run', '--rm', '-i', 'busybox', 'cat'], undefined, 'piped input\n');
});

test('run maps start failures to 126 and 127 and daemon errors to 125', opts, () => {
  same(['run', '--rm', 'busybox', 'nosuchcmd']);
  same(['run', '--rm', 'busybox', '/']);
  same(['run', '--rm', '-m', 'xx', 'busybox', 'true']);
  const r = same(['run', '--rm', 'nosuchimage'], (s) => s.replace(/Error response from daemon: .*/, 'Error response from daemon: …'));
  assert.equal(r.code, 125);
});

test('a detached container shows up in ps, stops with 137 and is removed', opts, () => {
  const ago = (s: string) => s.replace(/(Less than a second|\d+ seconds?|About a minute) ago/g, 'AGO').replace(/Up (Less than a second|\d+ seconds?)/g, 'Up X').replace(/\b[0-9a-f]{12}\b/g, 'ID');
  for (const run of [docker, berth]) {
    const id = run(['run', '-d', '--name', 'cmp-w', '-l', 'k=v', 'busybox', 'sleep', '1000']);
    assert.equal(id.code, 0, id.err);
    assert.match(id.out, /^[0-9a-f]{64}\n$/);
    const ps = run(['ps', '--format', '{{.Names}} {{.State}} {{.Label "k"}} {{.Command}}']);
    assert.equal(ps.out, 'cmp-w running v "sleep 1000"\n');
    assert.deepEqual(run(['stop', '-t', '1', 'cmp-w']), { code: 0, out: 'cmp-w\n', err: '' });
    assert.equal(run(['inspect', '-f', '{{.State.ExitCode}} {{.Name}}', 'cmp-w']).out, '137 /cmp-w\n');
    assert.equal(run(['wait', 'cmp-w']).out, '137\n');
    const table = ago(run(['ps', '-a']).out);
    assert.match(table, /Exited \(137\) AGO/);
    assert.equal(run(['rm', 'cmp-w']).out, 'cmp-w\n');
  }
});

test('errors for missing objects match docker word for word', opts, () => {
  for (const args of [['rm', 'nosuch'], ['stop', 'nosuch'], ['kill', 'nosuch'], ['start', 'nosuch'], ['inspect', 'nosuch'],
    ['inspect', '--type', 'image', 'nosuch'], ['rmi', 'nosuch'], ['tag', 'nosuch', 'foo'], ['logs', 'nosuch'], ['wait', 'nosuch'],
    ['history', 'nosuch'], ['rm', '-f', 'nosuch'], ['ps', '--format', '{{.Nope}}'], ['ps', '-x'], ['run'], ['run', '--foo', 'busybox']]) {
    same(args);
  }
});

test('inspect --format covers fields, json, range and index', opts, () => {
  same(['inspect', '-f', '{{.Config.Cmd}} {{json .Config.Env}}', 'busybox']);
  same(['inspect', '-f', '{{range .Config.Env}}{{.}}{{end}}', 'busybox']);
  same(['inspect', '-f', '{{index .Config.Labels "x"}}', 'busybox']);
  same(['inspect', '-f', '{{.Nope}}', 'busybox']);
  same(['inspect', 'busybox']);
});

test('tag, save, load, import and rmi round-trip images', opts, () => {
  for (const run of [docker, berth]) {
    assert.equal(run(['tag', 'busybox', 'cmp-bb:v1']).code, 0);
    assert.match(run(['images', '--format', '{{.Repository}}:{{.Tag}}']).out, /cmp-bb:v1/);
    assert.equal(run(['rmi', 'cmp-bb:v1']).out, 'Untagged: cmp-bb:v1\n');
  }
  const saved = spawnSync(process.execPath, berthArgv(['save', 'busybox']), { env, maxBuffer: 64 << 20, cwd: repo });
  assert.equal(saved.status, 0);
  const dsaved = spawnSync(dockerCli as string, ['save', 'busybox'], { env, maxBuffer: 64 << 20 });
  assert.ok(saved.stdout.equals(dsaved.stdout), 'berth save streams the same archive as docker save');
  const loaded = spawnSync(process.execPath, berthArgv(['load']), { env, input: saved.stdout, encoding: 'utf8', cwd: repo });
  assert.equal(loaded.stdout, 'Loaded image: busybox:latest\n');
});
