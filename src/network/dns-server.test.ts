import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { log } from '../lib/logger.ts';
import { loadNative } from '../lib/native.ts';
import { answerA, DnsServer, frame, parseQuestion } from './dns-server.ts';

function query(name: string, qtype = 1, id = 0x1234): Buffer {
  const header = Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([header, ...labels, Buffer.from([0, qtype >> 8, qtype & 255, 0, 1])]);
}

/** Sends one DNS message over TCP (2-byte length framing) and resolves with the answer, unframed. */
function askOverTcp(port: number, message: Buffer): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port }, () => sock.write(frame(message)));
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('data', (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.destroy();
        resolve(buf.subarray(2));
      }
    });
  });
}

test('parseQuestion reads the lower-cased name and type of a query', () => {
  const q = parseQuestion(query('DB-1.Example', 28));
  assert.deepEqual(q && { name: q.name, qtype: q.qtype }, { name: 'db-1.example', qtype: 28 });
  assert.equal(parseQuestion(Buffer.from([1, 2, 3])), undefined);
});

test('answerA answers with one A record per address and keeps the query id', () => {
  const msg = query('db');
  const q = parseQuestion(msg)!;
  const a = answerA(msg, q.end, ['10.0.0.2', '10.0.0.3']);
  assert.equal(a.readUInt16BE(0), 0x1234);
  // QR and RA, RD copied from the query, not AA: libnetwork's resolver does not answer authoritatively.
  assert.equal(a.readUInt16BE(2) & 0x8780, 0x8080 | (msg.readUInt16BE(2) & 0x0100));
  assert.equal(a.readUInt16BE(6), 2);
  assert.deepEqual([...a.subarray(a.length - 4)], [10, 0, 0, 3]);
});

test('a DnsServer answers names on its network with all their addresses', async () => {
  const server = new DnsServer({ address: '127.0.0.1', port: 0, lookup: (n) => (n === 'db' ? ['10.1.0.2', '10.1.0.3'] : []), upstreams: () => [], log });
  // port 0: let the kernel pick; read it back from the socket.
  await server.start();
  const port = server.port;
  const client = createSocket('udp4');
  try {
    const reply = await new Promise<Buffer>((resolve) => {
      client.once('message', (b) => resolve(b));
      client.send(query('db'), port, '127.0.0.1');
    });
    assert.equal(reply.readUInt16BE(6), 2);
  } finally {
    client.close();
    server.close();
  }
});

test('a DnsServer answers over TCP on the same port, and the lookup sees the asking address', async () => {
  const seen: string[] = [];
  const server = new DnsServer({ address: '127.0.0.1', port: 0, lookup: (n, client) => (seen.push(client), n === 'db' ? ['10.1.0.9'] : []), upstreams: () => [], log });
  await server.start();
  try {
    const reply = await askOverTcp(server.port, query('db'));
    assert.equal(reply.readUInt16BE(0), 0x1234);
    assert.equal(reply.readUInt16BE(6), 1);
    assert.deepEqual([...reply.subarray(reply.length - 4)], [10, 1, 0, 9]);
    assert.deepEqual(seen, ['127.0.0.1']);
  } finally {
    server.close();
  }
});

test('a DnsServer relays other names to the upstreams of the asker, over UDP and over TCP', async () => {
  // A fake upstream that answers every question with 10.9.9.9.
  const upstream = new DnsServer({ address: '127.0.0.2', port: 0, lookup: () => ['10.9.9.9'], upstreams: () => [], log });
  await upstream.start();
  const asked: string[] = [];
  const server = new DnsServer({ address: '127.0.0.1', port: 0, lookup: () => [], upstreams: (c) => (asked.push(c), ['127.0.0.2']), upstreamPort: upstream.port, log });
  await server.start();
  const client = createSocket('udp4');
  try {
    const udp = await new Promise<Buffer>((resolve) => {
      client.once('message', (b) => resolve(b));
      client.send(query('example.org'), server.port, '127.0.0.1');
    });
    assert.deepEqual([...udp.subarray(udp.length - 4)], [10, 9, 9, 9]);
    const tcp = await askOverTcp(server.port, query('example.org'));
    assert.deepEqual([...tcp.subarray(tcp.length - 4)], [10, 9, 9, 9]);
    assert.deepEqual(asked, ['127.0.0.1', '127.0.0.1']);
  } finally {
    client.close();
    server.close();
    upstream.close();
  }
});

test('a DnsServer adopts sockets made by socketsInNetns (here in its own netns) and answers over UDP and TCP', { skip: process.getuid?.() !== 0 && 'setns needs root' }, async () => {
  // Port 0 would give UDP and TCP different ports: take a free-looking high one on an address of our own.
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const sockets = loadNative().socketsInNetns('/proc/thread-self/ns/net', '127.0.0.31', port);
  const server = new DnsServer({ sockets, lookup: (n) => (n === 'db' ? ['10.1.0.7'] : []), upstreams: () => [], log });
  await server.start();
  const client = createSocket('udp4');
  try {
    assert.equal(server.port, port);
    const udp = await new Promise<Buffer>((resolve) => {
      client.once('message', (b) => resolve(b));
      client.send(query('db'), port, '127.0.0.31');
    });
    assert.deepEqual([...udp.subarray(udp.length - 4)], [10, 1, 0, 7]);
    const tcp = await new Promise<Buffer>((resolve, reject) => {
      const sock = connect({ host: '127.0.0.31', port }, () => sock.write(frame(query('db'))));
      sock.on('error', reject);
      sock.on('data', (b: Buffer) => {
        sock.destroy();
        resolve(b.subarray(2));
      });
    });
    assert.deepEqual([...tcp.subarray(tcp.length - 4)], [10, 1, 0, 7]);
  } finally {
    client.close();
    server.close();
  }
  // close() closed the adopted sockets: the address is free again.
  const again = loadNative().socketsInNetns('/proc/thread-self/ns/net', '127.0.0.31', port);
  loadNative().closeFd(again.udpFd);
  loadNative().closeFd(again.tcpFd);
});

test('socketsInNetns says which step failed and why', { skip: process.getuid?.() !== 0 && 'setns needs root' }, () => {
  assert.throws(() => loadNative().socketsInNetns('/nonexistent/netns', '127.0.0.11', 53), (err: Error & { code?: string }) => err.code === 'ENOENT' && /open network namespace \/nonexistent\/netns/.test(err.message));
  assert.throws(() => loadNative().socketsInNetns('/proc/thread-self/ns/net', '192.0.2.250', 53), (err: Error & { code?: string }) => err.code === 'EADDRNOTAVAIL' && /bind\(udp\) 192\.0\.2\.250:53/.test(err.message));
  assert.throws(() => loadNative().socketsInNetns('/proc/thread-self/ns/net', 'not-an-ip', 53), /IPv4 address/);
});
