// The WebSocket port-forward (`v4.channel.k8s.io`, ports in the query): each
// port's data and error channels start with the port (little-endian), the
// client's bytes reach the pod's port and the answer comes back on the data
// channel; a port the pod refuses is reported on the error channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { log } from '../../lib/logger.ts';
import { parsePorts, servePortForwardWs, type PortForwardTarget } from './portforward.ts';

test('parsePorts takes comma-separated and repeated ports, and refuses anything else', () => {
  assert.deepEqual(parsePorts(['80,8080', '9']), [80, 8080, 9]);
  assert.throws(() => parsePorts(['0']), RangeError);
  assert.throws(() => parsePorts(['65536']), RangeError);
  assert.throws(() => parsePorts(['8o']), RangeError);
  assert.throws(() => parsePorts([]), RangeError);
});

test('a v4 WebSocket port-forward carries a request to the pod\'s port and its answer back, and says why a port is refused', async () => {
  // The "pod": an upper-casing echo that ends after the first chunk.
  const pod = createServer((c) => c.once('data', (b: Buffer) => c.end(b.toString().toUpperCase())));
  pod.listen(0, '127.0.0.1');
  await once(pod, 'listening');
  const podPort = (pod.address() as AddressInfo).port;
  const dialed: number[] = [];
  const target: PortForwardTarget = {
    podId: 'p0d',
    dial: async (port) => {
      dialed.push(port);
      // Port 1 stands for a port nothing listens on in the pod.
      const s = connect({ port: port === 1 ? 1 : podPort, host: '127.0.0.1' });
      await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
      return s;
    },
  };
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'v4.channel.k8s.io' });
  await once(wss, 'listening');
  const served: Promise<void>[] = [];
  wss.on('connection', (ws) => served.push(servePortForwardWs(ws, [8080, 1], target, log)));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, ['v4.channel.k8s.io']);
  const messages: Buffer[] = [];
  let sent = false;
  client.on('message', (m: Buffer) => {
    messages.push(m);
    // Once the first port's channels have said their port, send the request.
    if (!sent && messages.filter((x) => x[0] === 0 || x[0] === 1).length === 2) {
      sent = true;
      client.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello pod')]));
    }
  });
  try {
    await once(client, 'close');
    await Promise.all(served);
    const on = (ch: number) => messages.filter((m) => m[0] === ch).map((m) => m.subarray(1));
    assert.deepEqual([...on(0)[0]!], [8080 & 0xff, 8080 >> 8], 'the data channel starts with its port');
    assert.deepEqual([...on(1)[0]!], [8080 & 0xff, 8080 >> 8], 'the error channel starts with its port');
    assert.equal(Buffer.concat(on(0).slice(1)).toString(), 'HELLO POD');
    assert.equal(on(1).length, 1, 'no error for the port that answered');
    assert.deepEqual([...on(2)[0]!], [1, 0]);
    assert.match(Buffer.concat(on(3).slice(1)).toString(), /error forwarding port 1 to pod p0d.*ECONNREFUSED/);
    assert.deepEqual(dialed.sort(), [1, 8080]);
  } finally {
    client.terminate();
    wss.close();
    pod.close();
  }
});
