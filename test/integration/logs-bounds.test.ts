// Issue 13, logging and memory bounds. A container writing as fast as it can
// must not outgrow its log cap (conmon writes far faster than any periodic
// size check), `logs --tail` must read the end of the log instead of the
// whole of it, and a client that stops reading (attach, `logs -f`) must slow
// the stream down rather than make berthd buffer it. berthd's memory is read
// from /proc/<pid>/status (VmRSS, and VmHWM for the peak).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { ensureBusybox, startDaemon, useBusyboxDaemon, type Daemon } from './harness.ts';

const d = useBusyboxDaemon();

const MiB = 1024 * 1024;
/** A 200-byte line: `yes` writes it through stdio buffers, the fastest writer busybox has. */
const line = 'x'.repeat(199);
const flood = (bytes: number) => `yes ${line} | head -c ${bytes}`;

function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function logPath(name: string): Promise<string> {
  return (await d().berth(['inspect', '--format', '{{.LogPath}}', name])).stdout.trim();
}

/** Bytes on disk of the container's log files (each inode once: berth keeps a hard link to the live file). */
async function logBytes(path: string): Promise<{ bytes: number; files: string[] }> {
  const names = (await readdir(dirname(path)).catch(() => [] as string[])).filter((f) => f.startsWith(basename(path)));
  const seen = new Map<number, number>();
  for (const n of names) {
    const st = await stat(join(dirname(path), n)).catch(() => undefined);
    if (st) seen.set(st.ino, st.size);
  }
  return { bytes: [...seen.values()].reduce((a, b) => a + b, 0), files: names.sort() };
}

async function waitExit(name: string, timeoutMs: number): Promise<void> {
  const r = await d().berth(['wait', name], { timeoutMs });
  assert.equal(r.code, 0, r.stderr);
}

/** GET /containers/{name}/logs?…: status, body (demultiplexed payload) and how long it took. */
async function logsRequest(name: string, query: string): Promise<{ status: number; text: string; ms: number }> {
  const t = Date.now();
  const r = await d().request('GET', `/containers/${name}/logs?${query}`);
  const ms = Date.now() - t;
  const parts: Buffer[] = [];
  for (let off = 0; off + 8 <= r.body.length; ) {
    const len = r.body.readUInt32BE(off + 4);
    parts.push(r.body.subarray(off + 8, off + 8 + len));
    off += 8 + len;
  }
  return { status: r.status, text: Buffer.concat(parts).toString(), ms };
}

test('a container writing 2 GB as fast as it can keeps its logs within max-size × max-file at all times, and logs --tail 5 of it answers at once', { timeout: 420_000 }, async () => {
  // 2 GB as fast as busybox writes it (40 MB/s on a loaded 2-core machine, 140 MB/s on a quiet one):
  // the cap (berth's default, 10m × 3) is passed sixty-six times over, and 10 MB in well under a second.
  const total = 2_000_000_000;
  const mem0 = memory(d().pid);
  const run = await d().berth(['run', '-d', '--name', 'flood', '--network', 'none', 'busybox', 'sh', '-c', flood(total)]);
  assert.equal(run.code, 0, run.stderr);
  try {
    const path = await logPath('flood');
    const cap = 3 * 10 * MiB;
    let peak = 0;
    let peakFiles: string[] = [];
    let done = false;
    const exited = waitExit('flood', 360_000).finally(() => (done = true));
    const t0 = Date.now();
    while (!done) {
      const now = await logBytes(path);
      if (now.bytes > peak) [peak, peakFiles] = [now.bytes, now.files];
      await new Promise((r) => setTimeout(r, 20));
    }
    await exited;
    const seconds = (Date.now() - t0) / 1000;
    const mem1 = memory(d().pid);
    const end = await logBytes(path);
    assert.ok(end.bytes <= cap, `${end.bytes} bytes of log left (${end.files.join(' ')}), cap ${cap}`);
    assert.ok(peak <= cap, `the logs reached ${peak} bytes while the container wrote (${peakFiles.join(' ')}), cap ${cap}`);
    // The retained log is the end of the output, and it is most of the cap (berth did not throw history away).
    assert.ok(end.bytes >= 2 * 10 * MiB, `only ${end.bytes} bytes retained`);
    // The output goes from conmon to the files, not through berthd.
    assert.ok(mem1.rss - mem0.rss < 16 * MiB, `berthd's RSS grew by ${((mem1.rss - mem0.rss) / MiB).toFixed(1)} MiB while the container wrote`);
    // logs --tail 5 of it, through the API and through the CLI: under a second, and berthd does not grow.
    const tail = await logsRequest('flood', 'stdout=1&stderr=1&tail=5');
    const mem2 = memory(d().pid);
    assert.equal(tail.status, 200);
    assert.equal(tail.text, `${line}\n`.repeat(5));
    assert.ok(tail.ms < 1000, `GET /logs?tail=5 took ${tail.ms} ms`);
    const t1 = Date.now();
    const cli = await d().berth(['logs', '--tail', '5', 'flood']);
    const cliMs = Date.now() - t1;
    const mem3 = memory(d().pid);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, `${line}\n`.repeat(5));
    assert.ok(cliMs < 1000, `berth logs --tail 5 took ${cliMs} ms`);
    assert.ok(mem3.rss - mem1.rss < 16 * MiB, `berthd's RSS grew by ${((mem3.rss - mem1.rss) / MiB).toFixed(1)} MiB for logs --tail 5`);
    assert.ok(mem3.hwm - mem1.hwm < 16 * MiB, `berthd's peak RSS grew by ${((mem3.hwm - mem1.hwm) / MiB).toFixed(1)} MiB for logs --tail 5`);
    const all = await logsRequest('flood', 'stdout=1');
    assert.ok(all.text.length >= 2 * 10 * MiB * 0.8 && all.text.length % 200 === 0, `logs gave ${all.text.length} bytes`);
    const mib = (n: number) => (n / MiB).toFixed(1);
    console.log(`# wrote ${total} bytes in ${seconds.toFixed(1)} s (${(total / seconds / 1e6).toFixed(0)} MB/s); log peak ${peak}, end ${end.bytes} in ${end.files.length} names (cap ${cap}); berthd RSS ${mib(mem0.rss)} MiB before, ${mib(mem1.rss)} after the write`);
    console.log(`# logs --tail 5 of it: API ${tail.ms} ms, CLI ${cliMs} ms; berthd RSS ${mib(mem2.rss)} then ${mib(mem3.rss)} MiB (${mib(mem3.rss - mem1.rss)} MiB), peak ${mib(mem3.hwm - mem1.hwm)} MiB higher`);
  } finally {
    await d().berth(['rm', '-f', 'flood']);
  }
});

test('logs --tail 5 of a large uncapped log answers at once and does not grow berthd', { timeout: 120_000 }, async () => {
  const total = 250_000_000;
  const run = await d().berth(['run', '-d', '--name', 'big', '--network', 'none', '--log-opt', 'max-size=-1', 'busybox', 'sh', '-c', `${flood(total)}; echo last-line`]);
  assert.equal(run.code, 0, run.stderr);
  try {
    await waitExit('big', 90_000);
    const path = await logPath('big');
    assert.ok((await logBytes(path)).bytes > total, 'the log holds the whole output');
    const before = memory(d().pid);
    const tail = await logsRequest('big', 'stdout=1&stderr=1&tail=5');
    const after = memory(d().pid);
    assert.equal(tail.status, 200);
    assert.equal(tail.text, `${line}\n`.repeat(4) + 'last-line\n');
    assert.ok(tail.ms < 1000, `logs --tail 5 took ${tail.ms} ms`);
    assert.ok(after.rss - before.rss < 16 * MiB, `berthd's RSS grew by ${((after.rss - before.rss) / MiB).toFixed(1)} MiB`);
    assert.ok(after.hwm - before.hwm < 16 * MiB, `berthd's peak RSS grew by ${((after.hwm - before.hwm) / MiB).toFixed(1)} MiB`);
    // The CLI too, with timestamps, and since/until still filter.
    const cli = await d().berth(['logs', '--tail', '2', '--timestamps', 'big']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${line}\\n\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z last-line\\n$`));
    const future = await d().berth(['logs', '--tail', '5', '--since', String(Math.ceil(Date.now() / 1000) + 60), 'big']);
    assert.equal(future.stdout, '');
    console.log(`# tail of ${total} bytes: ${tail.ms} ms, RSS ${((after.rss - before.rss) / MiB).toFixed(1)} MiB, peak ${((after.hwm - before.hwm) / MiB).toFixed(1)} MiB`);
  } finally {
    await d().berth(['rm', '-f', 'big']);
  }
});

/** Opens a hijacked attach (or any streaming GET/POST) and returns the socket once the response head is read. */
function openStream(daemon: Daemon, method: string, path: string, upgrade: boolean): Promise<{ sock: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = connect(daemon.socket);
    let buf = Buffer.alloc(0);
    const onData = (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      sock.pause();
      const head = buf.subarray(0, end).toString();
      if (!/^HTTP\/1\.1 (101|200)/.test(head)) return reject(new Error(head));
      resolve({ sock, rest: buf.subarray(end + 4) });
    };
    sock.on('data', onData);
    sock.on('error', reject);
    const headers = upgrade ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : '';
    sock.write(`${method} ${path} HTTP/1.1\r\nHost: berth\r\n${headers}Content-Length: 0\r\n\r\n`);
  });
}

/** Reads the socket to its end, counting payload bytes of the multiplexed frames. */
function drain(sock: Socket, rest: Buffer, chunked: boolean): Promise<number> {
  return new Promise((resolve) => {
    let pending = rest;
    let payload = 0;
    let raw = 0;
    const feed = (b: Buffer) => {
      raw += b.length;
      if (chunked) return;
      pending = pending.length ? Buffer.concat([pending, b]) : b;
      while (pending.length >= 8) {
        const len = pending.readUInt32BE(4);
        if (pending.length < 8 + len) break;
        payload += len;
        pending = pending.subarray(8 + len);
      }
    };
    feed(Buffer.alloc(0));
    sock.on('data', feed);
    sock.on('close', () => resolve(chunked ? raw : payload));
    sock.resume();
  });
}

async function stalledGrowth(daemon: Daemon, sock: Socket, ms: number): Promise<number> {
  const before = memory(daemon.pid);
  let worst = 0;
  const t = Date.now();
  while (Date.now() - t < ms) {
    await new Promise((r) => setTimeout(r, 250));
    worst = Math.max(worst, memory(daemon.pid).rss - before.rss);
  }
  assert.ok(!sock.destroyed);
  return worst;
}

/**
 * A daemon of its own for a memory test: the heap an earlier test grew (and
 * that RSS keeps) would hide the growth being measured.
 */
async function withFreshDaemon(fn: (daemon: Daemon) => Promise<void>): Promise<void> {
  const daemon = await startDaemon();
  try {
    await ensureBusybox(daemon);
    await fn(daemon);
  } finally {
    await daemon.stop();
  }
}

test('an attached client that stops reading slows the container down instead of growing berthd, and loses nothing', { timeout: 120_000 }, () => withFreshDaemon(async (daemon) => {
  const total = 150_000_000;
  const create = await daemon.berth(['create', '--name', 'talker', '--network', 'none', 'busybox', 'sh', '-c', flood(total)]);
  assert.equal(create.code, 0, create.stderr);
  try {
    const { sock, rest } = await openStream(daemon, 'POST', '/containers/talker/attach?stream=1&stdout=1&stderr=1', true);
    const start = await daemon.request('POST', '/containers/talker/start');
    assert.equal(start.status, 204, start.body.toString());
    const growth = await stalledGrowth(daemon, sock, 8000);
    // Held back, the container has written little more than what berthd and the sockets hold.
    const path = (await daemon.berth(['inspect', '--format', '{{.LogPath}}', 'talker'])).stdout.trim();
    const logged = (await logBytes(path)).bytes;
    assert.ok(logged < 32 * MiB, `the container wrote ${logged} bytes of log while its client did not read`);
    const received = await drain(sock, rest, false);
    assert.equal(received, total, 'the client got every byte, in the end');
    // "A few MB" (issue 13): berthd holds at most 1 MiB of unread output. Measured in 11 runs: 0.2-1.6 MiB,
    // once 6.5 MiB (load average 7 on 2 cores); before the back-pressure, issue 13 saw 62 -> 400 MB.
    assert.ok(growth < 12 * MiB, `berthd grew by ${(growth / MiB).toFixed(1)} MiB while the client did not read`);
    console.log(`# stalled attach: berthd grew by at most ${(growth / MiB).toFixed(1)} MiB, the container logged ${logged} bytes meanwhile`);
  } finally {
    await daemon.berth(['rm', '-f', 'talker']);
  }
}));

test('a logs -f follower that stops reading does not grow berthd', { timeout: 120_000 }, () => withFreshDaemon(async (daemon) => {
  const total = 200_000_000;
  const run = await daemon.berth(['run', '-d', '--name', 'follow', '--network', 'none', '--log-opt', 'max-size=-1', 'busybox', 'sh', '-c', `sleep 1; ${flood(total)}; sleep 2`]);
  assert.equal(run.code, 0, run.stderr);
  try {
    const { sock, rest } = await openStream(daemon, 'GET', '/containers/follow/logs?follow=1&stdout=1', false);
    const growth = await stalledGrowth(daemon, sock, 8000);
    const hwm0 = memory(daemon.pid).hwm;
    const received = await drain(sock, rest, true);
    const peak = memory(daemon.pid).hwm - hwm0;
    assert.ok(received > total, `the follower got ${received} bytes`);
    assert.ok(growth < 16 * MiB, `berthd grew by ${(growth / MiB).toFixed(1)} MiB while the follower did not read`);
    // The burst of reading when the follower resumes (200 MB at full speed) is transient garbage: with
    // V8's young generation held at 1 MB a semi-space (src/lib/node-flags.ts, for the RSS after work)
    // part of it is promoted before a major collection frees it, and the peak rises by 35-39 MiB
    // (0 MiB with a 4 MB semi-space, which costs +22 MB of RSS kept after churn instead). Bounded, not free.
    assert.ok(peak < 48 * MiB, `berthd's peak grew by ${(peak / MiB).toFixed(1)} MiB when the follower read again`);
    console.log(`# stalled follower: berthd grew by at most ${(growth / MiB).toFixed(1)} MiB, its peak by ${(peak / MiB).toFixed(1)} MiB when it read again`);
  } finally {
    await daemon.berth(['rm', '-f', 'follow']);
  }
}));
