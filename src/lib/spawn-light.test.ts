// Unit tests of lib/spawn-light.ts on the addon's posix_spawn (native/spawn.c):
// what the helpers berthd runs rely on — stdout and stderr collected in full,
// stdin fed and closed, exit codes and signals, a missing program, cwd and
// environment, a session of its own, and no signal ignored or blocked in the
// child (Node ignores SIGPIPE; runc and conmon need their signals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative } from './native.ts';
import { resolveCommand, runCaptured, spawnLight } from './spawn-light.ts';

test('the addon has spawn (npm run build builds it; berthd refuses to start without the addon)', () => {
  assert.equal(typeof loadNative().spawn, 'function');
});

test('runCaptured collects stdout and stderr, feeds stdin, and reports the exit code', async () => {
  const r = await runCaptured('sh', ['-c', 'cat; echo err >&2; exit 3'], { input: 'hello\n' });
  assert.equal(r.code, 3);
  assert.equal(r.signal, null);
  assert.equal(r.stdout.toString(), 'hello\n');
  assert.equal(r.stderr.toString(), 'err\n');
});

test('runCaptured reads more than a pipe holds, and with no input the child reads /dev/null', async () => {
  const big = await runCaptured('sh', ['-c', 'head -c 1048576 /dev/zero']);
  assert.equal(big.code, 0);
  assert.equal(big.stdout.length, 1 << 20);
  const empty = await runCaptured('sh', ['-c', 'cat; echo done']);
  assert.equal(empty.stdout.toString(), 'done\n');
});

test('a signal that ends the child is reported by name', async () => {
  const r = await runCaptured('sh', ['-c', 'kill -TERM $$']);
  assert.equal(r.code, null);
  assert.equal(r.signal, 'SIGTERM');
});

test('a missing program rejects with ENOENT', async () => {
  await assert.rejects(runCaptured('berth-no-such-program', []), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  await assert.rejects(runCaptured('/nonexistent/berth-no-such-program', []), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});

test('cwd and env reach the child', async () => {
  const r = await runCaptured('sh', ['-c', 'pwd; echo "$BERTH_SPAWN_TEST"'], { cwd: '/tmp', env: { PATH: process.env['PATH'], BERTH_SPAWN_TEST: 'x y' } });
  assert.equal(r.stdout.toString(), '/tmp\nx y\n');
});

test('the child has no signal ignored or blocked, and `detached` gives it a session of its own', async () => {
  // `cat` (no shell between) shows its own masks: Node ignores SIGPIPE, which must not reach the child.
  const status = (await runCaptured('cat', ['/proc/self/status'])).stdout.toString();
  const mask = (name: string) => BigInt(`0x${/^(\w+):\s+([0-9a-f]+)$/m.exec(status.split('\n').filter((l) => l.startsWith(`${name}:`))[0] ?? '')?.[2] ?? 'ff'}`);
  assert.equal(mask('SigBlk'), 0n);
  assert.equal(mask('SigIgn'), 0n);
  const child = spawnLight('sh', ['-c', 'cut -d" " -f6 /proc/$$/stat'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  const out: Buffer[] = [];
  child.stdio[1]!.on('data', (b: Buffer) => out.push(b));
  const exit = await child.exited;
  await new Promise((r) => setImmediate(r));
  assert.equal(exit.code, 0);
  assert.equal(Buffer.concat(out).toString().trim(), String(child.pid), 'its session id is its own pid');
});

test('many at once', async () => {
  const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => runCaptured('sh', ['-c', `echo ${i}`])));
  assert.deepEqual(rs.map((r) => r.stdout.toString().trim()), Array.from({ length: 40 }, (_, i) => String(i)));
});

test('resolveCommand finds a program on PATH and passes paths through', () => {
  assert.match(resolveCommand('sh'), /\/sh$/);
  assert.equal(resolveCommand('./x'), './x');
  assert.throws(() => resolveCommand('berth-no-such-program'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});
