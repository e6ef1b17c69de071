// connectAttach() against a stand-in for conmon's attach socket: input order, packet
// boundaries and the half-close (the cause of issue 11's lost stdin), and the
// back-pressure on output a consumer has not taken.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFound } from '../core/errors.ts';
import { SeqpacketServer } from '../lib/seqpacket.ts';
import { connectAttach, highWaterMark, processAlive } from './conmon-attach.ts';

/** A stand-in for conmon's attach socket: collects what arrives until our half-close. */
function fakeConmon(dir: string): { received: Promise<Buffer>; sizes: number[]; server: SeqpacketServer } {
  const sizes: number[] = [];
  let server!: SeqpacketServer;
  const received = new Promise<Buffer>((resolve, reject) => {
    // Fails rather than hangs when the half-close never comes (the clean-up below must run).
    const timer = setTimeout(() => reject(new Error('no half-close within 10 s')), 10_000);
    server = new SeqpacketServer(join(dir, 'attach'), (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (b: Buffer) => {
        chunks.push(b);
        sizes.push(b.length);
      });
      s.on('end', () => {
        clearTimeout(timer);
        s.destroy();
        resolve(Buffer.concat(chunks));
      });
    });
  });
  return { received, sizes, server };
}

test('writes issued without waiting arrive whole and in order, and the half-close comes after them (issue 11)', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-attach-'));
  const { received, sizes, server } = fakeConmon(dir);
  try {
    const conn = await connectAttach(dir);
    after(() => conn.close());
    const data = Buffer.alloc(1 << 20);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32BE(i, i);
    // As a client's socket delivers it: chunks of odd sizes, each larger than one packet.
    for (let off = 0; off < data.length; off += 20_000) void conn.write(data.subarray(off, off + 20_000));
    conn.closeStdin();
    const got = await received;
    assert.equal(got.length, data.length);
    assert.ok(got.equals(data), 'the bytes arrive in the order they were written');
    assert.ok(sizes.every((n) => n > 0 && n <= 8192), `every packet fits conmon's 8192-byte read: ${Math.max(...sizes)}`);
    conn.close();
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write after closeStdin is dropped, not sent after the half-close', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-attach-'));
  const { received, server } = fakeConmon(dir);
  try {
    const conn = await connectAttach(dir);
    void conn.write(Buffer.from('kept'));
    conn.closeStdin();
    await conn.write(Buffer.from('dropped'));
    assert.equal((await received).toString(), 'kept');
    conn.close();
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('output arrives one packet at a time with its stream, and the connection closes when conmon hangs up', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-attach-'));
  const big = Buffer.alloc(8191, 'x');
  const server = new SeqpacketServer(join(dir, 'attach'), (s) => {
    void (async () => {
      for (const p of [Buffer.from('\x02out'), Buffer.from('\x03err'), Buffer.concat([Buffer.from([2]), big]), Buffer.from('\x02'), Buffer.from('\x01ignored')]) await s.write(p);
      s.destroy();
    })();
  });
  try {
    const conn = await connectAttach(dir);
    const got: [string, string][] = [];
    conn.onOutput((stream, data) => got.push([stream, data.toString()]));
    await new Promise<void>((resolve) => conn.onClose(resolve));
    assert.deepEqual(got, [['stdout', 'out'], ['stderr', 'err'], ['stdout', big.toString()]]);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('connecting where no socket listens is NotFound for a missing dir and Internal for a missing socket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-attach-'));
  try {
    await assert.rejects(connectAttach(join(dir, 'nope')), (err: unknown) => isNotFound(err));
    await assert.rejects(connectAttach(dir), /attach socket failed: .*ENOENT|No such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A stand-in for conmon's output, in a process of its own: it sends `packets`
 * stdout packets of 8 KiB with blocking sends, as conmon's write_all does, and
 * reports how many went out. Python's socket module has SOCK_SEQPACKET.
 */
function talkingConmon(dir: string, packets: number): { ready: Promise<void>; sent: () => number; child: ChildProcess } {
  const script = [
    'import socket, sys',
    'srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)',
    'srv.bind(sys.argv[1]); srv.listen(1)',
    'print("ready", flush=True)',
    'c, _ = srv.accept()',
    'pkt = bytes([2]) + b"a" * 8192',
    'for i in range(int(sys.argv[2])):',
    '    c.send(pkt)',
    '    print(i + 1, flush=True)',
    'c.close()',
  ].join('\n');
  const child = spawn('python3', ['-c', script, join(dir, 'attach'), String(packets)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let sent = 0;
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const l of lines) {
        if (l === 'ready') resolve();
        else sent = Number(l);
      }
    });
  });
  return { ready, sent: () => sent, child };
}

const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

test('output is held back while the consumer is behind — the sender blocks — and flows as it consumes', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-attach-'));
  const conmon = talkingConmon(dir, 1000); // 8 MB
  try {
    await conmon.ready;
    const conn = await connectAttach(dir, { pid: () => process.pid });
    let got = 0;
    conn.onOutput((_, data) => (got += data.length));
    await settle(600);
    const slack = 64 * 1024 + 8192;
    assert.ok(got >= highWaterMark / 2 && got <= highWaterMark + slack, `${got} bytes came unconsumed`);
    const [first, sentFirst] = [got, conmon.sent()];
    await settle();
    assert.equal(got, first, 'nothing more until the consumer takes some');
    assert.equal(conmon.sent(), sentFirst, 'the sender is blocked');
    assert.ok(sentFirst < 1000 / 2, `the sender got ${sentFirst} packets out`);
    // A consumer that keeps up gets all of it.
    conn.onOutput((_, data) => conn.consumed(data.length));
    conn.consumed(first);
    const deadline = Date.now() + 10_000;
    while (got < 1000 * 8192 && Date.now() < deadline) await settle(50);
    assert.equal(got, 1000 * 8192);
    conn.close();
  } finally {
    conmon.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('output is let through once the process it comes from is gone', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-attach-'));
  const conmon = talkingConmon(dir, 400); // 3.2 MB
  try {
    await conmon.ready;
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    const conn = await connectAttach(dir, { pid: () => dead.pid });
    let got = 0;
    conn.onOutput((_, data) => (got += data.length));
    const deadline = Date.now() + 10_000;
    while (got < 400 * 8192 && Date.now() < deadline) await settle(100);
    assert.equal(got, 400 * 8192);
    conn.close();
  } finally {
    conmon.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('processAlive is false for a process that has exited', async () => {
  assert.equal(await processAlive(process.pid), true);
  const child = spawn('sh', ['-c', 'exit 0'], { stdio: 'ignore' });
  await settle(300);
  assert.equal(await processAlive(child.pid!), false);
  await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  assert.equal(await processAlive(child.pid!), false);
});
