// connectAttach() against a stand-in for conmon's attach socket: input order, packet
// boundaries and the half-close (the cause of issue 11's lost stdin).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFound } from '../core/errors.ts';
import { SeqpacketServer } from '../lib/seqpacket.ts';
import { connectAttach } from './conmon-attach.ts';

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
