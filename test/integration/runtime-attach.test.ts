// conmon's attach socket and control fifo against real conmon and runc: input
// reaches the container's stdin and a half-close ends it, output arrives tagged
// stdout/stderr, a terminal container gets its size through the ctl fifo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createConmonRuntime, detectRuntime } from '../../src/runtime/index.ts';
import type { AttachConnection, ConmonRuntime, OutputStream } from '../../src/runtime/index.ts';
import { setLogSink } from '../../src/lib/index.ts';
import { haveTools, isRoot, makeFixture } from './runtime-fixture.ts';
import type { Fixture } from './runtime-fixture.ts';

const skip = !isRoot ? 'needs root' : !(await haveTools()) ? 'needs conmon and busybox-static' : false;

let fx: Fixture;
let rt: ConmonRuntime;
const made: string[] = [];

before(async () => {
  if (skip) return;
  setLogSink(() => undefined);
  fx = await makeFixture();
  rt = createConmonRuntime({ binary: await detectRuntime(), execRoot: fx.execRoot });
});

after(async () => {
  if (skip) return;
  for (const id of made) {
    await rt.delete(id, { force: true }).catch(() => undefined);
    await rt.cleanup(id).catch(() => undefined);
  }
  for (const controller of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    await rmdir(join('/sys/fs/cgroup', controller, 'berth-test')).catch(() => undefined);
  }
  await fx.dispose();
});

/** Collects everything the connection delivers until conmon closes it. */
function collect(conn: AttachConnection): Promise<{ stream: OutputStream; text: string }[]> {
  const out: { stream: OutputStream; text: string }[] = [];
  conn.onOutput((stream, data) => out.push({ stream, text: data.toString() }));
  return new Promise((resolve) => conn.onClose(() => resolve(out)));
}

test('input written to the attach socket reaches stdin and a half-close ends it', { skip, timeout: 30_000 }, async () => {
  const b = await fx.bundle(['sh', '-c', 'cat; echo done >&2']);
  made.push(b.id);
  await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: true, stdinOnce: true });
  const conn = await rt.attach(b.id);
  const output = collect(conn);
  await rt.start(b.id);
  await conn.write(Buffer.from('hi\n'));
  conn.closeStdin();
  const chunks = await output;
  assert.equal(chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join(''), 'hi\n');
  assert.equal(chunks.filter((c) => c.stream === 'stderr').map((c) => c.text).join(''), 'done\n');
  assert.equal((await rt.waitExit(b.id)).exitCode, 0);
});

test('a terminal container reads its size from the ctl fifo and its input from the pty', { skip, timeout: 30_000 }, async () => {
  const b = await fx.bundle(['sh'], { terminal: true });
  made.push(b.id);
  await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: true, stdin: true, stdinOnce: true });
  const conn = await rt.attach(b.id);
  const output = collect(conn);
  await rt.resize(b.id, { height: 33, width: 101 });
  await rt.start(b.id);
  await conn.write(Buffer.from('stty size; exit 5\n'));
  const text = (await output).map((c) => c.text).join('');
  assert.match(text, /33 101/);
  assert.equal((await rt.waitExit(b.id)).exitCode, 5);
});

const execProcess = (args: string[], terminal = false) => ({
  terminal,
  user: { uid: 0, gid: 0 },
  args,
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  cwd: '/',
});

test('an attached exec gets its stdin, sends its output and reports its exit code', { skip, timeout: 30_000 }, async () => {
  const b = await fx.bundle(['sleep', '100']);
  made.push(b.id);
  await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false });
  await rt.start(b.id);
  const ex = await rt.exec(b.id, `${b.id}-e1`, { process: execProcess(['sh', '-c', 'read x; echo "got $x"; echo e >&2; exit 3']), terminal: false, stdin: true, attach: true });
  assert.ok(ex.pid > 0);
  const output = collect(ex.connection!);
  await ex.connection!.write(Buffer.from('hi\n'));
  ex.connection!.closeStdin();
  const chunks = await output;
  assert.deepEqual(chunks, [{ stream: 'stdout', text: 'got hi\n' }, { stream: 'stderr', text: 'e\n' }]);
  assert.equal(await ex.exited, 3);
  await ex.cleanup();
  await rt.kill(b.id, 'SIGKILL');
  await rt.waitExit(b.id);
});

test('an exec of a missing command fails with the runtime\'s message', { skip, timeout: 30_000 }, async () => {
  const b = await fx.bundle(['sleep', '100']);
  made.push(b.id);
  await rt.create(b.id, { bundle: b.bundle, logPath: b.logPath, terminal: false, stdin: false });
  await rt.start(b.id);
  await assert.rejects(rt.exec(b.id, `${b.id}-e2`, { process: execProcess(['nosuch']), terminal: false, stdin: false, attach: true }), /executable file not found/);
  const detached = await rt.exec(b.id, `${b.id}-e3`, { process: execProcess(['sh', '-c', 'exit 7']), terminal: false, stdin: false, attach: false });
  assert.equal(await detached.exited, 7);
  await detached.cleanup();
  await rt.kill(b.id, 'SIGKILL');
  await rt.waitExit(b.id);
});
