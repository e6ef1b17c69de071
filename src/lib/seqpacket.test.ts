// SeqpacketSocket's pause()/resume(): a paused socket is not read, so the
// peer's sends stop once the kernel's buffer is full, and everything that
// waited comes, whole and in order, after resume().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeqpacketServer, SeqpacketSocket } from './seqpacket.ts';

const settle = (ms = 200) => new Promise((r) => setTimeout(r, ms));

test('a paused socket holds the peer back; resume() delivers the rest in order, then the end', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-seqpacket-'));
  const total = 1000;
  let sent = 0;
  const server = new SeqpacketServer(join(dir, 's'), (peer) => {
    void (async () => {
      for (let i = 0; i < total; i++) {
        const p = Buffer.alloc(8192, i % 251);
        p.writeUInt32BE(i, 0);
        await peer.write(p).catch(() => undefined);
        sent++;
      }
      peer.end();
      peer.on('end', () => peer.destroy());
    })();
  });
  const client = SeqpacketSocket.connect(join(dir, 's'));
  try {
    const got: number[] = [];
    let ended = false;
    client.on('end', () => (ended = true));
    client.on('data', (b: Buffer) => {
      got.push(b.readUInt32BE(0));
      assert.equal(b.length, 8192);
      // Paused from within a 'data' listener: no packet after this one until resume().
      if (got.length === 1) client.pause();
    });
    await settle(500);
    assert.equal(client.isPaused, true);
    assert.deepEqual(got, [0], 'nothing is read while paused');
    const sentWhilePaused = sent;
    // The readiness watcher is stopped, not ignored: a level-triggered watcher on an unread socket would spin the loop.
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await settle(400);
    const used = process.cpuUsage(cpu);
    const busy = (used.user + used.system) / 1000 / (performance.now() - wall);
    assert.ok(busy < 0.5, `the loop stays idle while paused: ${(busy * 100).toFixed(0)} % CPU`);
    assert.equal(sent, sentWhilePaused, 'the sender is held back');
    assert.ok(sentWhilePaused < total, `the sender got ${sentWhilePaused} of ${total} packets out`);
    assert.equal(ended, false);
    client.resume();
    const deadline = Date.now() + 10_000;
    while (!ended && Date.now() < deadline) await settle(20);
    assert.equal(ended, true, 'the end comes after resume()');
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => i), 'every packet, once, in order');
  } finally {
    client.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pause() and resume() are idempotent, and an end waits for resume()', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-seqpacket-'));
  const server = new SeqpacketServer(join(dir, 's'), (peer) => {
    void peer.write(Buffer.from('one')).then(() => peer.destroy());
  });
  const client = SeqpacketSocket.connect(join(dir, 's'));
  try {
    client.pause();
    client.pause();
    const events: string[] = [];
    client.on('data', (b: Buffer) => events.push(b.toString()));
    client.on('end', () => events.push('end'));
    await settle(300);
    assert.equal(events.length, 0, 'nothing before resume()');
    client.resume();
    client.resume();
    const deadline = Date.now() + 5000;
    while (!events.includes('end') && Date.now() < deadline) await settle(20);
    assert.deepEqual(events, ['one', 'end']);
  } finally {
    client.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Regression: conmon writes a quick TTY exec's output and closes the socket; a keystroke the client
// sent just then failed with EPIPE, and the failed write destroyed the socket with the output still
// unread in it (about one `crictl exec -it … tty` in four printed nothing).
test('a write the closed peer refuses rejects, and what the peer sent before still comes, then the end', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-seqpacket-'));
  let peerGone!: () => void;
  const gone = new Promise<void>((r) => (peerGone = r));
  const server = new SeqpacketServer(join(dir, 's'), (peer) => {
    void peer.write(Buffer.from('last words')).then(() => {
      peer.destroy();
      peerGone();
    });
  });
  const client = SeqpacketSocket.connect(join(dir, 's'));
  try {
    const got: string[] = [];
    let ended = false;
    let errored: unknown;
    client.pause();
    client.on('data', (b: Buffer) => got.push(b.toString()));
    client.on('end', () => (ended = true));
    client.on('error', (err: unknown) => (errored = err));
    await gone;
    await assert.rejects(client.write(Buffer.from('keystroke')), (err: Error & { code?: string }) => err.code === 'EPIPE' || err.code === 'ECONNRESET');
    await assert.rejects(client.write(Buffer.from('more')), /write after end/);
    assert.equal(client.destroyed, false, 'a refused write leaves the socket readable');
    client.resume();
    const deadline = Date.now() + 5000;
    while (!ended && Date.now() < deadline) await settle(20);
    assert.deepEqual(got, ['last words']);
    assert.equal(ended, true);
    assert.equal(errored, undefined);
  } finally {
    client.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Regression, the other order: our keystroke reached conmon, which closed without reading it. The
// kernel then fails our next read once with ECONNRESET (the peer dropped unread data), though the
// output conmon sent before closing still waits in our socket.
test('a peer that closes without reading what we sent: its last packets still come, then the end', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-seqpacket-'));
  let peer: SeqpacketSocket | undefined;
  const server = new SeqpacketServer(join(dir, 's'), (p) => {
    peer = p;
    p.pause();
  });
  const client = SeqpacketSocket.connect(join(dir, 's'));
  try {
    const got: string[] = [];
    let ended = false;
    let errored: unknown;
    client.pause();
    client.on('data', (b: Buffer) => got.push(b.toString()));
    client.on('end', () => (ended = true));
    client.on('error', (err: unknown) => (errored = err));
    while (!peer) await settle(10);
    await client.write(Buffer.from('keystroke'));
    await peer.write(Buffer.from('last words'));
    peer.destroy();
    await settle(50);
    client.resume();
    const deadline = Date.now() + 5000;
    while (!ended && errored === undefined && Date.now() < deadline) await settle(20);
    assert.equal(errored, undefined);
    assert.deepEqual(got, ['last words']);
    assert.equal(ended, true);
  } finally {
    client.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
