// dialPod reaches the pod's loopback and only it: with the same port open on
// the host's loopback and in the pod's, the pod's answers; a port open only on
// the host is refused from inside the pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { nativeIfBuilt } from '../../lib/native.ts';
import { dialPod } from './pod-dial.ts';

const native = nativeIfBuilt();
const skip = process.getuid?.() !== 0 ? 'needs root (ip netns, setns)' : native === undefined ? 'berth-native is not built' : false;

function serve(answer: string): Server {
  return createServer((c) => c.end(answer));
}

async function read(sock: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  sock.on('data', (b: Buffer) => chunks.push(b));
  await once(sock, 'end');
  sock.destroy();
  return Buffer.concat(chunks).toString();
}

test('dialPod connects inside the pod\'s network namespace, never to the host\'s loopback', { skip }, async () => {
  const name = `berth-pd-${randomBytes(3).toString('hex')}`;
  const netns = `/run/netns/${name}`;
  assert.equal(spawnSync('ip', ['netns', 'add', name]).status, 0);
  const servers: Server[] = [];
  try {
    assert.equal(spawnSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']).status, 0);
    // The same port on both loopbacks, and one more on the host's only.
    const host = serve('host');
    servers.push(host);
    host.listen(0, '127.0.0.1');
    await once(host, 'listening');
    const port = (host.address() as { port: number }).port;
    const { udpFd, tcpFd } = native!.socketsInNetns(netns, '127.0.0.1', port);
    native!.closeFd(udpFd);
    const inside = serve('pod');
    servers.push(inside);
    inside.listen({ fd: tcpFd });
    await once(inside, 'listening');
    const hostOnly = serve('host only');
    servers.push(hostOnly);
    hostOnly.listen(0, '127.0.0.1');
    await once(hostOnly, 'listening');
    const hostOnlyPort = (hostOnly.address() as { port: number }).port;

    assert.equal(await read(await dialPod({ netns }, port)), 'pod');
    await assert.rejects(dialPod({ netns }, hostOnlyPort), (err: Error & { code?: string }) => err.code === 'ECONNREFUSED');
    assert.equal(await read(await dialPod({ hostNetwork: true }, hostOnlyPort)), 'host only', 'a host-network pod is the host');
    await assert.rejects(dialPod({ netns }, 0), RangeError);
    await assert.rejects(dialPod({ netns: '/nonexistent/netns' }, port), (err: Error & { code?: string }) => err.code === 'ENOENT');
  } finally {
    for (const s of servers) s.close();
    spawnSync('ip', ['netns', 'del', name]);
  }
});
