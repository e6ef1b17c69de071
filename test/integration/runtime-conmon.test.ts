// The conmon runtime against real conmon and runc/crun: exit codes, logs, SIGKILL,
// OOM kill on the memory cgroup, a missing command, conmon outliving the process
// that created the container, and clean-up leaving no cgroup, state or conmon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readFile, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyStartError, createConmonRuntime, detectRuntime, isLiveConmon, readLogs } from '../../src/runtime/index.ts';
import type { ConmonRuntime, LogLine } from '../../src/runtime/index.ts';
import { setLogSink } from '../../src/lib/index.ts';
import { haveTools, isRoot, makeFixture } from './runtime-fixture.ts';
import type { Fixture } from './runtime-fixture.ts';

const skip = !isRoot ? 'needs root' : !(await haveTools()) ? 'needs conmon and busybox-static' : false;

let fx: Fixture;
let rt: ConmonRuntime;
const made: { id: string; cgroupsPath: string }[] = [];

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

async function collect(path: string): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of readLogs(path)) out.push(l);
  return out;
}

/** Creates (and records for clean-up) a container running `args`. */
async function create(args: string[], over: Parameters<Fixture['bundle']>[1] = {}) {
  const b = await fx.bundle(args, over);
  made.push({ id: b.id, cgroupsPath: b.cgroupsPath });
  return b;
}

async function remove(id: string): Promise<void> {
  await rt.delete(id, { force: true });
  await rt.cleanup(id);
}

before(async () => {
  if (skip) return;
  setLogSink(() => undefined);
  fx = await makeFixture();
  rt = createConmonRuntime({ binary: await detectRuntime(), execRoot: fx.execRoot });
});

after(async () => {
  if (skip) return;
  for (const m of made) await remove(m.id).catch(() => undefined);
  for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    await rmdir(join('/sys/fs/cgroup', controller, 'berth-test')).catch(() => undefined);
  }
  await fx.dispose();
});

test('a container that prints and exits 3 reports exit code 3 and its output in the log', { skip }, async () => {
  const b = await create(['sh', '-c', 'echo hi; echo oops >&2; printf partial; exit 3']);
  const { pid } = await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false });
  assert.ok(pid > 0);
  assert.equal((await rt.state(b.id))?.status, 'created');
  await rt.start(b.id);
  const status = await rt.waitExit(b.id);
  assert.equal(status.exitCode, 3);
  assert.equal(status.oomKilled, false);
  const lines = await collect(b.logPath);
  const stdout = Buffer.concat(lines.filter((l) => l.stream === 'stdout').map((l) => l.data)).toString();
  const stderr = Buffer.concat(lines.filter((l) => l.stream === 'stderr').map((l) => l.data)).toString();
  assert.equal(stdout, 'hi\npartial');
  assert.equal(stderr, 'oops\n');
  assert.equal((await rt.state(b.id))?.status, 'stopped');
  await remove(b.id);
});

test('SIGKILL ends a sleeping container with exit code 137', { skip }, async () => {
  const b = await create(['sleep', '100']);
  await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false });
  await rt.start(b.id);
  assert.equal((await rt.state(b.id))?.status, 'running');
  assert.equal(await rt.exitStatus(b.id), undefined);
  await rt.kill(b.id, 'SIGKILL');
  const status = await rt.waitExit(b.id);
  assert.equal(status.exitCode, 137);
  assert.equal(status.oomKilled, false);
  await assert.rejects(rt.kill(b.id, 'SIGTERM'), (err: Error & { code?: string }) => err.code === 'BERTH_ERR_NOT_FOUND');
  await remove(b.id);
});

test('start releases a created container through its exec fifo as runc start does; a second start is refused', { skip }, async () => {
  const b = await create(['sleep', '100']);
  await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false });
  const fifo = join(fx.execRoot, 'runtime', b.id, 'exec.fifo');
  if (rt.binary.name === 'runc') assert.ok(await exists(fifo), 'runc create leaves the exec fifo');
  await rt.start(b.id);
  assert.equal(await exists(fifo), false, 'the fifo is gone after start, as after runc start');
  const st = await rt.state(b.id);
  assert.equal(st?.status, 'running');
  // runc's init closes its end of the fifo just before its execve (runc closes every descriptor it does
  // not pass on, CVE-2024-21626), so, as after `runc start`, the exec may follow a moment later.
  let cmdline = '';
  for (let i = 0; i < 100 && cmdline !== 'sleep\x00100\x00'; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 20));
    cmdline = await readFile(`/proc/${st?.pid}/cmdline`, 'utf8');
  }
  assert.equal(cmdline, 'sleep\x00100\x00', 'init has exec\'d the command');
  await assert.rejects(rt.start(b.id), /already running|cannot start/);
  await rt.kill(b.id, 'SIGKILL');
  assert.equal((await rt.waitExit(b.id)).exitCode, 137);
  await remove(b.id);
});

test('start of a created container whose init was killed fails (no hang) with the runtime\'s error', { skip }, async () => {
  const b = await create(['sleep', '100']);
  await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false });
  await rt.kill(b.id, 'SIGKILL');
  await rt.waitExit(b.id, AbortSignal.timeout(10000));
  const t0 = performance.now();
  await assert.rejects(rt.start(b.id));
  assert.ok(performance.now() - t0 < 5000, 'start gave up within 5 s');
  await remove(b.id);
});

test('a container exceeding its 8 MiB memory limit is OOM-killed and says so', { skip }, async () => {
  const b = await create(['sh', '-c', 'x=a; while true; do x=$x$x; done'], { memory: 8 * 1024 * 1024 });
  await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false });
  await rt.start(b.id);
  const status = await rt.waitExit(b.id, AbortSignal.timeout(30000));
  assert.equal(status.exitCode, 137);
  assert.equal(status.oomKilled, true);
  await remove(b.id);
});

test('a command that does not exist fails create with the runtime message, classified 127', { skip }, async () => {
  const b = await create(['nosuch']);
  await assert.rejects(rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false }), (err: Error) => {
    assert.match(err.message, /exec: "nosuch": executable file not found in \$PATH/);
    assert.equal(classifyStartError(err.message), 127);
    return true;
  });
  assert.equal(await rt.state(b.id), undefined);
  await remove(b.id);
});

test('conmon and the container survive the creating process group being SIGKILLed', { skip }, async () => {
  const b = await create(['sh', '-c', 'sleep 1; echo late; exit 7']);
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = `
    import { createConmonRuntime, detectRuntime } from ${JSON.stringify(join(here, '../../src/runtime/index.ts'))};
    const rt = createConmonRuntime({ binary: await detectRuntime(), execRoot: ${JSON.stringify(fx.execRoot)} });
    await rt.create(${JSON.stringify(b.id)}, { bundle: ${JSON.stringify(b.bundle)}, logPath: ${JSON.stringify(b.logPath)}, terminal: false, stdin: false });
    await rt.start(${JSON.stringify(b.id)});
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);
  `;
  // The child plays berthd: its own process group, killed whole as a crash or Ctrl-C would.
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const ready = await new Promise<boolean>((resolve) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(true));
    child.on('exit', () => resolve(false));
  });
  assert.ok(ready, 'the creating process started the container');
  const gone = new Promise((r) => child.on('exit', r));
  process.kill(-(child.pid as number), 'SIGKILL');
  await gone;
  const conmonPid = await rt.conmonPid(b.id);
  assert.ok(conmonPid !== undefined && (await isLiveConmon(conmonPid)), 'conmon is still alive');
  assert.equal((await rt.state(b.id))?.status, 'running');
  // A fresh runtime object (berthd restarted) still sees the exit.
  const again = createConmonRuntime({ binary: rt.binary, execRoot: fx.execRoot });
  const status = await again.waitExit(b.id, AbortSignal.timeout(20000));
  assert.equal(status.exitCode, 7);
  const text = Buffer.concat((await collect(b.logPath)).map((l) => l.data)).toString();
  assert.equal(text, 'late\n');
  await remove(b.id);
});

test('kill, delete, state and waitExit behave for containers the runtime does not know', { skip }, async () => {
  await assert.rejects(rt.kill('berthtest-absent', 'KILL'), (err: Error & { code?: string }) => err.code === 'BERTH_ERR_NOT_FOUND');
  await rt.delete('berthtest-absent');
  await rt.delete('berthtest-absent', { force: true });
  assert.equal(await rt.state('berthtest-absent'), undefined);
  assert.equal(await rt.exitStatus('berthtest-absent'), undefined);
  assert.equal(await rt.conmonPid('berthtest-absent'), undefined);
  const ac = new AbortController();
  const waiting = rt.waitExit('berthtest-absent', ac.signal);
  ac.abort(new Error('gave up'));
  await assert.rejects(waiting, { message: 'gave up' });
});

test('removing a container leaves no cgroup, no runtime state and no conmon process', { skip }, async () => {
  const b = await create(['sleep', '100'], { memory: 64 * 1024 * 1024, pidsLimit: 20 });
  await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false });
  await rt.start(b.id);
  const conmonPid = await rt.conmonPid(b.id);
  assert.ok(conmonPid !== undefined);
  const memCg = join('/sys/fs/cgroup/memory', b.cgroupsPath);
  const cgroupV1 = await exists('/sys/fs/cgroup/memory');
  if (cgroupV1) assert.ok(await exists(memCg), 'the memory cgroup exists while running');
  await rt.kill(b.id, 'KILL');
  await rt.waitExit(b.id);
  await remove(b.id);
  if (cgroupV1) assert.equal(await exists(memCg), false, 'memory cgroup removed');
  else assert.equal(await exists(join('/sys/fs/cgroup', b.cgroupsPath)), false, 'cgroup removed');
  assert.equal(await exists(join(fx.execRoot, 'runtime', b.id)), false, 'runtime state removed');
  assert.equal(await exists(join(fx.execRoot, 'exits', b.id)), false, 'exit file removed');
  // conmon exits right after writing the exit file; give it a moment.
  for (let i = 0; i < 50 && (await isLiveConmon(conmonPid)); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await isLiveConmon(conmonPid), false, 'conmon has exited');
  assert.equal(await rt.conmonPid(b.id), undefined);
});
