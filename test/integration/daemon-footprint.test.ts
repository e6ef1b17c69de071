// What an idle berthd holds (issue 15): without --cri it never loads the CRI's
// gRPC stack (grpc-js runs on node:http2, which nothing else in berthd uses),
// its idle size stays well under a bound, and the threads an image import
// starts (the unpack workers, an isolate each) end once the import is over.
// The loaded built-in modules are read inside berthd by a probe preloaded with
// NODE_OPTIONS=--import, which writes process.moduleLoadList on SIGUSR2; the
// CRI daemon is the control that the probe sees http2 when it is loaded.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './acceptance-support.ts';
import { ensureBusybox, startDaemon, type Daemon } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** berthd's idle RSS bound: measured 59-60 MB (node 20.20, x86-64) once its start-up trim ran; 64-65 MB before this work. */
const idleRssBoundKb = 70 * 1024;

function status(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(100);
  }
}

async function withProbedDaemon(args: readonly string[], fn: (d: Daemon, builtins: () => Promise<string[]>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync('/tmp/berth-footprint-');
  const probe = join(dir, 'probe.mjs');
  const out = join(dir, 'modules.json');
  writeFileSync(
    probe,
    `import { writeFileSync } from 'node:fs';\n` +
      `process.on('SIGUSR2', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)))));\n`,
  );
  const builtins = async () => {
    rmSync(out, { force: true });
    process.kill(d.pid, 'SIGUSR2');
    await until('the probe wrote the module list', () => existsSync(out), 5000);
    await sleep(50);
    return JSON.parse(readFileSync(out, 'utf8')) as string[];
  };
  const d = await startDaemon({ args, env: { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import=${probe}`.trim() } });
  try {
    await fn(d, builtins);
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an idle berthd without --cri has not loaded the CRI (no node:http2), and stays under its idle bound', async () => {
  await withProbedDaemon([], async (d, builtins) => {
    // Past the start-up trim (2 s after start).
    await sleep(4000);
    const loaded = await builtins();
    assert.ok(loaded.includes('http'), `the probe should see berthd's own modules: ${loaded.join(' ')}`);
    assert.ok(!loaded.includes('http2'), 'node:http2 (grpc-js) is loaded in a berthd without --cri');
    const rss = status(d.pid, 'VmRSS');
    assert.ok(rss <= idleRssBoundKb, `idle berthd RSS ${rss} kB > ${idleRssBoundKb} kB`);
  });
});

test('berthd --cri loads the CRI (the probe sees node:http2)', async () => {
  const dir = mkdtempSync('/tmp/berth-footprint-cri-');
  try {
    const socket = join(dir, 'cri.sock');
    await withProbedDaemon(['--cri', '--cri-socket', `unix://${socket}`, '--cri-cni-conf-dir', join(dir, 'net.d')], async (_d, builtins) => {
      // berthd opens the CRI after its API socket, which is what startDaemon waits for.
      await until('berthd listens on its CRI socket', () => existsSync(socket), 10000);
      assert.ok((await builtins()).includes('http2'), 'node:http2 not loaded by berthd --cri');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an image import's worker threads end once it is over", async () => {
  await withProbedDaemon([], async (d) => {
    const threads = () => readdirSync(`/proc/${d.pid}/task`).length;
    // The baseline is taken once a first import has settled: threads that berthd starts
    // lazily on its first import and keeps (they are not the unpack workers) are in it.
    await ensureBusybox(d);
    await sleep(8000);
    const settled = threads();
    // 300 small files: past the 32 that the unpack writes on its own thread before it takes the workers.
    const dir = mkdtempSync('/tmp/berth-footprint-tar-');
    try {
      for (let i = 0; i < 300; i++) writeFileSync(join(dir, `f${i}`), `file ${i}\n`);
      const tar = join(dir, 'many.tar');
      execFileSync('tar', ['-cf', tar, '-C', dir, ...Array.from({ length: 300 }, (_, i) => `f${i}`)]);
      const imported = await d.berth(['import', tar, 'footprint/many:1']);
      assert.equal(imported.code, 0, imported.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const after = threads();
    assert.ok(after > settled, `the import started no thread (${settled} before, ${after} after): nothing to test`);
    // The unpack workers stop 5 s after the last unpack (src/image/file-writer-pool.ts).
    await until(`berthd back to its ${settled} threads after an import (now ${threads()})`, () => threads() <= settled, 30_000);
  });
});

test("berthd's bundle keeps the CRI's gRPC stack in a chunk only a dynamic import() reaches, and is ASCII only", () => {
  const dist = join(repoRoot, 'dist');
  const chunks = readdirSync(dist).filter((f) => /^berthd(-.*)?\.mjs$/.test(f));
  const text = new Map(chunks.map((f) => [f, readFileSync(join(dist, f), 'latin1')]));
  // V8 keeps a module's source as long as the module lives, two bytes a character once one is not Latin-1.
  for (const [f, t] of text) assert.ok(!/[^\x00-\x7f]/.test(t), `${f} has a non-ASCII character`);
  const grpc = chunks.filter((f) => text.get(f)!.includes('node_modules/@grpc/grpc-js/'));
  assert.equal(grpc.length, 1, `grpc-js should be in one chunk: ${grpc.join(', ')}`);
  const [cri] = grpc as [string];
  const staticImport = new RegExp(`^import (?:[^;]*? from )?"\\./${cri.replace(/\./g, '\\.')}";`, 'ms');
  for (const [f, t] of text) assert.ok(!staticImport.test(t), `${f} imports ${cri} statically: the gRPC stack would load with every berthd`);
  assert.ok(text.get('berthd.mjs')!.includes(`import("./${cri}")`), `berthd.mjs should load ${cri} with import() (for --cri)`);
});
