// connectAttach() against a stand-in for conmon's attach socket: input order, packet
// boundaries and the half-close (the cause of issue 11's lost stdin).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAttach } from './conmon-attach.ts';

interface ServerSocket {
  on(event: 'data', fn: (buf: Buffer) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
}
interface Server {
  listen(path: string): void;
  on(event: 'connection', fn: (s: ServerSocket) => void): unknown;
  close(): void;
}
const { SeqpacketServer } = createRequire(import.meta.url)('node-unix-socket') as { SeqpacketServer: new () => Server };

/** A stand-in for conmon's attach socket: collects what arrives until our half-close. */
function fakeConmon(dir: string): { received: Promise<Buffer>; server: Server } {
  const server = new SeqpacketServer();
  server.listen(join(dir, 'attach'));
  const received = new Promise<Buffer>((resolve, reject) => {
    // Fails rather than hangs when the half-close never comes (the clean-up below must run).
    const timer = setTimeout(() => reject(new Error('no half-close within 10 s')), 10_000);
    server.on('connection', (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (b) => chunks.push(b));
      s.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
    });
  });
  return { received, server };
}

test('writes issued without waiting arrive whole and in order, and the half-close comes after them (issue 11)', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-attach-'));
  const { received, server } = fakeConmon(dir);
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
